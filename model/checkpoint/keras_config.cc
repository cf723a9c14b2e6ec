// Keras preset JSON files <-> ModelConfig (spec §1.1, §7.1).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "model/checkpoint/config_io.h"

namespace gemma::model {
namespace {

using json_util::Json;
using json_util::Reader;

absl::StatusOr<TextConfig> ParseKerasText(const Reader& r) {
  TextConfig t;
  GEMMA_JSON_INT(r, "vocabulary_size", t.vocab_size, 0);
  GEMMA_JSON_INT(r, "num_layers", t.num_layers, 0);
  GEMMA_JSON_INT(r, "num_query_heads", t.num_query_heads, 0);
  GEMMA_JSON_INT(r, "num_key_value_heads", t.num_kv_heads, 0);
  GEMMA_JSON_INT(r, "hidden_dim", t.hidden_dim, 0);
  GEMMA_JSON_INT(r, "intermediate_dim", t.intermediate_dim, 0);
  GEMMA_JSON_INT(r, "head_dim", t.head_dim, 0);
  GEMMA_JSON_INT(r, "global_head_dim", t.global_head_dim, t.head_dim);
  GEMMA_ASSIGN_OR_RETURN(t.num_global_kv_heads,
                         r.Int("num_global_key_value_heads"));
  GEMMA_ASSIGN_OR_RETURN(auto attn_cap, r.Number("attention_logit_soft_cap"));
  if (attn_cap) t.attention_logit_soft_cap = static_cast<float>(*attn_cap);
  GEMMA_ASSIGN_OR_RETURN(auto final_cap, r.Number("final_logit_soft_cap"));
  if (final_cap) t.final_logit_soft_cap = static_cast<float>(*final_cap);
  GEMMA_JSON_BOOL(r, "use_sliding_window_attention", t.use_sliding_window,
                  true);
  GEMMA_JSON_INT(r, "sliding_window_size", t.sliding_window, 512);
  if (r.Has("layer_types") && !r.IsNull("layer_types")) {
    const Json& lt = r.json().at("layer_types");
    if (!lt.is_array()) return r.TypeError("layer_types", "a list");
    for (const Json& e : lt) {
      const std::string s = e.is_string() ? e.get<std::string>() : "";
      if (s == "full_attention") {
        t.layer_types.push_back(LayerType::kGlobal);
      } else if (s == "sliding_attention") {
        t.layer_types.push_back(LayerType::kSliding);
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            r.source(), ": unknown layer type ", e.dump().substr(0, 40)));
      }
    }
  } else {
    int pattern = 6;
    GEMMA_JSON_INT(r, "sliding_window_pattern", pattern, 6);
    if (pattern <= 0) return r.TypeError("sliding_window_pattern", "> 0");
    FillLayerTypes(t, pattern, /*force_last_global=*/false);
  }
  GEMMA_JSON_FLOAT(r, "local_rope_scaling_factor", t.local_rope_scaling, 1.0f);
  GEMMA_JSON_FLOAT(r, "global_rope_scaling_factor", t.global_rope_scaling,
                   1.0f);
  GEMMA_JSON_FLOAT(r, "global_rope_wavelength", t.global_rope_base, 1e6f);
  GEMMA_JSON_FLOAT(r, "local_rope_wavelength", t.local_rope_base, 1e4f);
  GEMMA_JSON_FLOAT(r, "global_rope_partial_rotary_factor",
                   t.global_partial_rotary_factor, 1.0f);
  GEMMA_JSON_FLOAT(r, "layer_norm_epsilon", t.rms_norm_eps, 1e-6f);
  GEMMA_JSON_BOOL(r, "use_vision_bidirectional_attention",
                  t.vision_bidirectional_attention, false);
  GEMMA_JSON_INT(r, "num_kv_shared_layers", t.num_kv_shared_layers, 0);
  GEMMA_JSON_INT(r, "hidden_size_per_layer_input", t.per_layer_input_dim, 0);
  GEMMA_JSON_INT(r, "vocab_size_per_layer_input", t.per_layer_vocab_size,
                 t.vocab_size);
  if (t.per_layer_input_dim == 0) t.per_layer_vocab_size = 0;
  GEMMA_JSON_BOOL(r, "use_double_wide_mlp", t.use_double_wide_mlp, false);
  GEMMA_JSON_BOOL(r, "enable_moe_block", t.enable_moe, false);
  GEMMA_JSON_INT(r, "num_experts", t.num_experts, 0);
  GEMMA_JSON_INT(r, "expert_intermediate_dim", t.expert_intermediate_dim, 0);
  GEMMA_JSON_INT(r, "num_experts_per_token", t.num_experts_per_token, 8);
  return t;
}

// The "config" of a serialized Keras object {"class_name", "config"}.
absl::StatusOr<const Json*> InnerConfig(const Reader& r, const char* key) {
  GEMMA_ASSIGN_OR_RETURN(const Json* obj, r.Object(key));
  if (obj == nullptr) return nullptr;
  if (!obj->contains("config") || !(*obj)["config"].is_object()) {
    return r.TypeError(key, "a serialized Keras object with a config");
  }
  return &(*obj)["config"];
}

absl::StatusOr<VisionConfig> ParseKerasVision(const Reader& r) {
  VisionConfig v;
  GEMMA_JSON_INT(r, "hidden_dim", v.hidden_dim, 768);
  GEMMA_JSON_INT(r, "intermediate_dim", v.intermediate_dim, 3072);
  GEMMA_JSON_INT(r, "num_layers", v.num_layers, 16);
  GEMMA_JSON_INT(r, "num_heads", v.num_heads, 12);
  GEMMA_JSON_INT(r, "num_key_value_heads", v.num_kv_heads, v.num_heads);
  GEMMA_JSON_INT(r, "head_dim", v.head_dim, 64);
  GEMMA_JSON_FLOAT(r, "layer_norm_epsilon", v.rms_norm_eps, 1e-6f);
  GEMMA_JSON_FLOAT(r, "rope_max_wavelength", v.rope_base, 100.0f);
  GEMMA_JSON_INT(r, "patch_size", v.patch_size, 16);
  GEMMA_JSON_INT(r, "pool_size", v.pooling_kernel, 3);
  GEMMA_JSON_INT(r, "position_embedding_size", v.position_embedding_size, 1024);
  GEMMA_JSON_BOOL(r, "use_clipped_linears", v.use_clipped_linears, true);
  GEMMA_JSON_BOOL(r, "standardize", v.standardize, false);
  if (v.hidden_dim <= 0 || v.num_layers <= 0 || v.num_heads <= 0 ||
      v.head_dim <= 0 || v.patch_size <= 0 || v.num_kv_heads <= 0 ||
      v.position_embedding_size <= 0 || v.intermediate_dim <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(r.source(), ": vision sizes must be positive"));
  }
  return v;
}

absl::StatusOr<AudioConfig> ParseKerasAudio(const Reader& r) {
  AudioConfig a;
  GEMMA_JSON_INT(r, "hidden_size", a.hidden_dim, 1024);
  GEMMA_JSON_INT(r, "num_layers", a.num_layers, 12);
  GEMMA_JSON_INT(r, "num_heads", a.num_heads, 8);
  if (r.Has("sscp_conv_channels") && !r.IsNull("sscp_conv_channels")) {
    const Json& ch = r.json().at("sscp_conv_channels");
    if (!ch.is_array() || ch.empty()) {
      return r.TypeError("sscp_conv_channels", "a list of ints");
    }
    a.sscp_channels.clear();
    for (const Json& c : ch) {
      if (!c.is_number_integer() || c.get<int>() <= 0) {
        return r.TypeError("sscp_conv_channels", "positive ints");
      }
      a.sscp_channels.push_back(c.get<int>());
    }
  }
  GEMMA_JSON_INT(r, "conv_kernel_size", a.conv_kernel_size, 5);
  GEMMA_JSON_FLOAT(r, "residual_weight", a.residual_weight, 0.5f);
  GEMMA_JSON_INT(r, "chunk_size", a.chunk_size, 12);
  GEMMA_JSON_INT(r, "context_left", a.context_left, 13);
  GEMMA_JSON_INT(r, "context_right", a.context_right, 0);
  GEMMA_JSON_FLOAT(r, "logit_cap", a.logit_cap, 50.0f);
  GEMMA_JSON_FLOAT(r, "invalid_logit_value", a.invalid_logit_value, -1e9f);
  GEMMA_JSON_FLOAT(r, "norm_eps", a.rms_norm_eps, 1e-6f);
  GEMMA_JSON_FLOAT(r, "gradient_clipping", a.gradient_clipping, 1e10f);
  GEMMA_JSON_INT(r, "output_proj_dims", a.output_proj_dims, 1536);
  GEMMA_JSON_INT(r, "input_feat_size", a.input_feat_size, 128);
  a.use_clipped_linears = true;  // keras-hub's audio linears always clip.
  if (a.hidden_dim <= 0 || a.num_layers <= 0 || a.num_heads <= 0 ||
      a.hidden_dim % a.num_heads != 0 || a.output_proj_dims <= 0 ||
      a.conv_kernel_size <= 0 || a.input_feat_size <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        r.source(), ": audio sizes must be positive, heads dividing hidden"));
  }
  return a;
}

}  // namespace

absl::StatusOr<ModelConfig> ParseKerasConfig(const Json& config,
                                             const Json& task,
                                             const Json& preprocessor,
                                             const std::string& dir) {
  const std::string source = dir + "/config.json";
  if (!config.contains("config") || !config["config"].is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": Gemma4Backbone config has no \"config\""));
  }
  const Json& inner = config["config"];
  Reader r(inner, source);
  ModelConfig mc;
  mc.layout = CheckpointLayout::kKeras;
  GEMMA_ASSIGN_OR_RETURN(mc.text, ParseKerasText(r));
  GEMMA_ASSIGN_OR_RETURN(const Json* vision, InnerConfig(r, "vision_encoder"));
  if (vision != nullptr) {
    GEMMA_ASSIGN_OR_RETURN(
        mc.vision,
        ParseKerasVision(Reader(*vision, source + " vision_encoder")));
  }
  GEMMA_ASSIGN_OR_RETURN(const Json* audio, InnerConfig(r, "audio_encoder"));
  if (audio != nullptr) {
    GEMMA_ASSIGN_OR_RETURN(
        mc.audio, ParseKerasAudio(Reader(*audio, source + " audio_encoder")));
  }
  if (task.is_object() && task.contains("config") &&
      task["config"].is_object()) {
    Reader tr(task["config"], dir + "/task.json");
    GEMMA_ASSIGN_OR_RETURN(auto cap, tr.Number("final_logit_cap"));
    if (cap) mc.task_final_logit_cap = static_cast<float>(*cap);
  }
  if (preprocessor.is_object() && preprocessor.contains("config") &&
      preprocessor["config"].is_object()) {
    Reader pr(preprocessor["config"], dir + "/preprocessor.json");
    GEMMA_JSON_INT(pr, "sequence_length", mc.default_max_length, 1024);
    GEMMA_ASSIGN_OR_RETURN(auto soft, pr.Int("num_vision_tokens_per_image"));
    if (soft && mc.vision) mc.vision->default_soft_tokens = *soft;
  }
  GEMMA_RETURN_IF_ERROR(CheckConfig(mc, source));
  mc.family = DetectFamily(mc.text);
  return mc;
}

}  // namespace gemma::model
