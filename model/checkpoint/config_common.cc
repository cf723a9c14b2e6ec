// Config helpers shared by both layouts: layer-type patterns, sanity limits,
// family detection.
#include "absl/strings/str_cat.h"
#include "model/checkpoint/config_io.h"

namespace gemma::model {

void FillLayerTypes(TextConfig& text, int pattern, bool force_last_global) {
  text.layer_types.assign(text.num_layers, LayerType::kSliding);
  for (int i = 0; i < text.num_layers; ++i) {
    if (i % pattern == pattern - 1) text.layer_types[i] = LayerType::kGlobal;
  }
  if (force_last_global && text.num_layers > 0) {
    text.layer_types.back() = LayerType::kGlobal;
  }
}

absl::Status CheckConfig(const ModelConfig& config, const std::string& source) {
  auto bad = [&](absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": ", what, " is out of range"));
  };
  const TextConfig& t = config.text;
  constexpr int kMaxLayers = 4096, kMaxWidth = 1 << 20;
  if (t.num_layers > kMaxLayers) return bad("num_layers");
  if (t.hidden_dim > kMaxWidth || t.intermediate_dim > kMaxWidth ||
      t.head_dim > kMaxWidth || t.global_head_dim > kMaxWidth ||
      t.per_layer_input_dim > kMaxWidth ||
      t.expert_intermediate_dim > kMaxWidth) {
    return bad("a width");
  }
  if (t.num_query_heads > kMaxWidth || t.num_kv_heads > kMaxWidth ||
      t.num_experts > kMaxWidth) {
    return bad("a head or expert count");
  }
  if (t.vocab_size > (1 << 28) || t.per_layer_vocab_size > (1 << 28)) {
    return bad("the vocabulary size");
  }
  if (config.vision && (config.vision->num_layers > kMaxLayers ||
                        config.vision->hidden_dim > kMaxWidth ||
                        config.vision->intermediate_dim > kMaxWidth ||
                        config.vision->num_heads > kMaxWidth ||
                        config.vision->num_kv_heads > kMaxWidth ||
                        config.vision->head_dim > kMaxWidth ||
                        config.vision->patch_size > 1024 ||
                        config.vision->position_embedding_size > kMaxWidth)) {
    return bad("a vision tower size");
  }
  if (config.audio && (config.audio->num_layers > kMaxLayers ||
                       config.audio->hidden_dim > kMaxWidth ||
                       config.audio->output_proj_dims > kMaxWidth ||
                       config.audio->conv_kernel_size > 1024 ||
                       config.audio->input_feat_size > kMaxWidth ||
                       config.audio->sscp_channels.size() > 16)) {
    return bad("an audio tower size");
  }
  if (config.audio) {
    for (int c : config.audio->sscp_channels) {
      if (c > kMaxWidth) return bad("an audio channel count");
    }
  }
  absl::Status valid = t.Validate();
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": ", valid.message()));
  }
  return absl::OkStatus();
}

std::string DetectFamily(const TextConfig& text) {
  if (text.per_layer_input_dim > 0) {
    return text.num_layers == 42 && text.hidden_dim == 2560 ? "e4b" : "e2b";
  }
  if (text.enable_moe) return "moe";
  return "dense";
}

}  // namespace gemma::model
