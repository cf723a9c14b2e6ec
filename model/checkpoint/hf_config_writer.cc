// The Hugging Face config.json for a ModelConfig (multimodal form with
// text_config, spec §1.2).
#include "model/checkpoint/config_fields.h"
#include "model/checkpoint/config_io.h"

namespace gemma::model {

using json_util::Json;

namespace {
constexpr CheckpointLayout kHf = CheckpointLayout::kHuggingFace;
}  // namespace

Json HfConfigJson(const ModelConfig& mc, DType dtype) {
  const TextConfig& t = mc.text;
  Json text;
  WriteSharedTextFields(t, kHf, text);
  text["model_type"] = "gemma4_text";
  text["global_head_dim"] = t.global_head_dim;
  text["sliding_window"] =
      t.use_sliding_window ? Json(t.sliding_window) : Json(nullptr);
  text["layer_types"] = LayerTypesJson(t);
  text["attn_logit_softcapping"] = t.attention_logit_soft_cap
                                       ? Json(*t.attention_logit_soft_cap)
                                       : Json(nullptr);
  text["final_logit_softcapping"] =
      t.final_logit_soft_cap ? Json(*t.final_logit_soft_cap) : Json(nullptr);
  Json full = {{"rope_type", "proportional"},
               {"rope_theta", t.global_rope_base},
               {"partial_rotary_factor", t.global_partial_rotary_factor}};
  if (t.global_rope_scaling != 1.0f) full["factor"] = t.global_rope_scaling;
  Json sliding = {{"rope_type", "default"}, {"rope_theta", t.local_rope_base}};
  if (t.local_rope_scaling != 1.0f) sliding["factor"] = t.local_rope_scaling;
  text["rope_parameters"] = {{"full_attention", full},
                             {"sliding_attention", sliding}};
  text["hidden_activation"] = "gelu_pytorch_tanh";
  text["hidden_size_per_layer_input"] = t.per_layer_input_dim;
  text["vocab_size_per_layer_input"] =
      t.per_layer_input_dim > 0 ? t.per_layer_vocab_size : t.vocab_size;
  // Null rather than the table's values when there are no experts.
  text["num_experts"] = t.enable_moe ? Json(t.num_experts) : Json(nullptr);
  text["top_k_experts"] =
      t.enable_moe ? Json(t.num_experts_per_token) : Json(nullptr);
  text["moe_intermediate_size"] =
      t.enable_moe ? Json(t.expert_intermediate_dim) : Json(nullptr);
  text["num_global_key_value_heads"] =
      t.num_global_kv_heads ? Json(*t.num_global_kv_heads) : Json(nullptr);
  text["attention_k_eq_v"] = t.num_global_kv_heads.has_value();
  text["use_bidirectional_attention"] =
      t.vision_bidirectional_attention ? Json("vision") : Json(nullptr);
  text["tie_word_embeddings"] = true;
  Json j;
  j["architectures"] = {"Gemma4ForConditionalGeneration"};
  j["model_type"] = "gemma4";
  j["text_config"] = text;
  j["tie_word_embeddings"] = true;
  j["torch_dtype"] = dtype == DType::kBF16 ? "bfloat16" : "float32";
  if (mc.vision) {
    const VisionConfig& v = *mc.vision;
    Json& vc = j["vision_config"];
    WriteVisionFields(v, kHf, vc);
    vc["model_type"] = "gemma4_vision";
    vc["rope_parameters"]["rope_type"] = "default";
    j["vision_soft_tokens_per_image"] = v.default_soft_tokens;
  } else {
    j["vision_config"] = nullptr;
  }
  if (mc.audio) {
    const AudioConfig& a = *mc.audio;
    Json& ac = j["audio_config"];
    WriteAudioFields(a, kHf, ac);
    ac["model_type"] = "gemma4_audio";
  } else {
    j["audio_config"] = nullptr;
  }
  return j;
}

}  // namespace gemma::model
