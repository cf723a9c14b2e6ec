// NamedConfig: the four real Gemma 4 models (spec §1.3, multimodal §2.1 and
// §4.1) and a tiny test model.
#include "absl/strings/str_cat.h"
#include "model/checkpoint/checkpoint.h"
#include "model/checkpoint/config_io.h"

namespace gemma::model {
namespace {

VisionConfig OnDeviceVision() {
  VisionConfig v;  // The struct defaults are the E2B/E4B tower.
  v.hidden_dim = 768;
  v.intermediate_dim = 3072;
  v.num_layers = 16;
  v.num_heads = 12;
  v.num_kv_heads = 12;
  v.head_dim = 64;
  v.position_embedding_size = 10240;
  v.use_clipped_linears = true;
  v.standardize = false;
  v.default_soft_tokens = 280;
  return v;
}

VisionConfig LargeVision() {
  VisionConfig v = OnDeviceVision();
  v.hidden_dim = 1152;
  v.intermediate_dim = 4304;
  v.num_layers = 27;
  v.num_heads = 16;
  v.num_kv_heads = 16;
  v.head_dim = 72;
  v.use_clipped_linears = false;
  v.standardize = true;
  return v;
}

// Fields shared by all four real models.
TextConfig RealText(int layers, int hidden, int intermediate, int heads,
                    int kv_heads, int pattern) {
  TextConfig t;
  t.vocab_size = 262144;
  t.num_layers = layers;
  t.hidden_dim = hidden;
  t.intermediate_dim = intermediate;
  t.num_query_heads = heads;
  t.num_kv_heads = kv_heads;
  t.head_dim = 256;
  t.global_head_dim = 512;
  t.final_logit_soft_cap = 30.0f;
  t.use_sliding_window = true;
  t.sliding_window = 512;
  t.local_rope_base = 10000.0f;
  t.global_rope_base = 1000000.0f;
  t.global_partial_rotary_factor = 0.25f;
  t.rms_norm_eps = 1e-6f;
  FillLayerTypes(t, pattern, /*force_last_global=*/true);
  return t;
}

ModelConfig Finish(TextConfig text, std::optional<VisionConfig> vision,
                   std::optional<AudioConfig> audio, DType dtype) {
  ModelConfig mc;
  mc.text = std::move(text);
  mc.vision = std::move(vision);
  mc.audio = std::move(audio);
  mc.weights_dtype = dtype;
  mc.layout = CheckpointLayout::kRandom;
  mc.family = DetectFamily(mc.text);
  return mc;
}

}  // namespace

absl::StatusOr<ModelConfig> NamedConfig(absl::string_view name) {
  if (name == "e2b" || name == "e4b") {
    const bool e2b = name == "e2b";
    TextConfig t = e2b ? RealText(35, 1536, 6144, 8, 1, 5)
                       : RealText(42, 2560, 10240, 8, 2, 6);
    t.per_layer_input_dim = 256;
    t.per_layer_vocab_size = 262144;
    t.num_kv_shared_layers = e2b ? 20 : 18;
    t.use_double_wide_mlp = e2b;
    return Finish(std::move(t), OnDeviceVision(), AudioConfig(), DType::kBF16);
  }
  if (name == "moe") {
    TextConfig t = RealText(30, 2816, 2112, 16, 8, 6);
    t.num_global_kv_heads = 2;
    t.sliding_window = 1024;
    t.vision_bidirectional_attention = true;
    t.enable_moe = true;
    t.num_experts = 128;
    t.num_experts_per_token = 8;
    t.expert_intermediate_dim = 704;
    return Finish(std::move(t), LargeVision(), std::nullopt, DType::kBF16);
  }
  if (name == "dense") {
    TextConfig t = RealText(60, 5376, 21504, 32, 16, 6);
    t.num_global_kv_heads = 4;
    t.sliding_window = 1024;
    t.vision_bidirectional_attention = true;
    return Finish(std::move(t), LargeVision(), std::nullopt, DType::kBF16);
  }
  if (name == "tiny") {
    // The golden e2b_like text model (PLE, KV sharing, double-wide MLP,
    // partial RoPE) with the e2b_vision and e2b_audio towers; vocabulary 768
    // matches the golden test tokenizer.
    TextConfig t;
    t.vocab_size = 768;
    t.num_layers = 6;
    t.num_query_heads = 4;
    t.num_kv_heads = 1;
    t.hidden_dim = 48;
    t.intermediate_dim = 64;
    t.head_dim = 16;
    t.global_head_dim = 32;
    t.final_logit_soft_cap = 6.0f;
    t.sliding_window = 8;
    FillLayerTypes(t, 3, /*force_last_global=*/true);
    t.global_partial_rotary_factor = 0.25f;
    t.num_kv_shared_layers = 2;
    t.per_layer_input_dim = 8;
    t.per_layer_vocab_size = 768;
    t.use_double_wide_mlp = true;
    VisionConfig v;
    v.hidden_dim = 32;
    v.intermediate_dim = 64;
    v.num_layers = 2;
    v.num_heads = 2;
    v.num_kv_heads = 2;
    v.head_dim = 16;
    v.position_embedding_size = 128;
    v.use_clipped_linears = true;
    v.default_soft_tokens = 70;
    AudioConfig a;
    a.hidden_dim = 32;
    a.num_layers = 2;
    a.num_heads = 2;
    a.sscp_channels = {8, 4};
    a.output_proj_dims = 40;
    return Finish(std::move(t), v, a, DType::kF32);
  }
  return absl::NotFoundError(
      absl::StrCat("unknown model config \"", name,
                   "\" (known: tiny, e2b, e4b, moe, dense)"));
}

}  // namespace gemma::model
