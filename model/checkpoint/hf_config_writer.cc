// The Hugging Face config.json for a ModelConfig (multimodal form with
// text_config, spec §1.2).
#include "model/checkpoint/config_io.h"

namespace gemma::model {

using json_util::Json;

Json HfConfigJson(const ModelConfig& mc, DType dtype) {
  const TextConfig& t = mc.text;
  Json text;
  text["model_type"] = "gemma4_text";
  text["vocab_size"] = t.vocab_size;
  text["hidden_size"] = t.hidden_dim;
  text["intermediate_size"] = t.intermediate_dim;
  text["num_hidden_layers"] = t.num_layers;
  text["num_attention_heads"] = t.num_query_heads;
  text["num_key_value_heads"] = t.num_kv_heads;
  text["head_dim"] = t.head_dim;
  text["global_head_dim"] = t.global_head_dim;
  text["rms_norm_eps"] = t.rms_norm_eps;
  text["sliding_window"] =
      t.use_sliding_window ? Json(t.sliding_window) : Json(nullptr);
  Json types = Json::array();
  for (LayerType lt : t.layer_types) {
    types.push_back(lt == LayerType::kGlobal ? "full_attention"
                                             : "sliding_attention");
  }
  text["layer_types"] = types;
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
  text["num_kv_shared_layers"] = t.num_kv_shared_layers;
  text["hidden_size_per_layer_input"] = t.per_layer_input_dim;
  text["vocab_size_per_layer_input"] =
      t.per_layer_input_dim > 0 ? t.per_layer_vocab_size : t.vocab_size;
  text["use_double_wide_mlp"] = t.use_double_wide_mlp;
  text["enable_moe_block"] = t.enable_moe;
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
    j["vision_config"] = {
        {"model_type", "gemma4_vision"},
        {"hidden_size", v.hidden_dim},
        {"intermediate_size", v.intermediate_dim},
        {"num_hidden_layers", v.num_layers},
        {"num_attention_heads", v.num_heads},
        {"num_key_value_heads", v.num_kv_heads},
        {"head_dim", v.head_dim},
        {"rms_norm_eps", v.rms_norm_eps},
        {"rope_parameters",
         {{"rope_type", "default"}, {"rope_theta", v.rope_base}}},
        {"patch_size", v.patch_size},
        {"pooling_kernel_size", v.pooling_kernel},
        {"position_embedding_size", v.position_embedding_size},
        {"use_clipped_linears", v.use_clipped_linears},
        {"standardize", v.standardize},
        {"default_output_length", v.default_soft_tokens}};
    j["vision_soft_tokens_per_image"] = v.default_soft_tokens;
  } else {
    j["vision_config"] = nullptr;
  }
  if (mc.audio) {
    const AudioConfig& a = *mc.audio;
    j["audio_config"] = {
        {"model_type", "gemma4_audio"},
        {"hidden_size", a.hidden_dim},
        {"num_hidden_layers", a.num_layers},
        {"num_attention_heads", a.num_heads},
        {"subsampling_conv_channels", a.sscp_channels},
        {"conv_kernel_size", a.conv_kernel_size},
        {"residual_weight", a.residual_weight},
        {"attention_chunk_size", a.chunk_size},
        {"attention_context_left", a.context_left},
        {"attention_context_right", a.context_right},
        {"attention_logit_cap", a.logit_cap},
        {"attention_invalid_logits_value", a.invalid_logit_value},
        {"use_clipped_linears", a.use_clipped_linears},
        {"rms_norm_eps", a.rms_norm_eps},
        {"gradient_clipping", a.gradient_clipping},
        {"output_proj_dims", a.output_proj_dims},
        {"input_feat_size", a.input_feat_size}};
  } else {
    j["audio_config"] = nullptr;
  }
  return j;
}

}  // namespace gemma::model
