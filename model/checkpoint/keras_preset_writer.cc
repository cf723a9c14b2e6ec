// The JSON files of a Keras preset directory for a ModelConfig, in the form
// keras-hub's save_to_preset writes them (spec §7.1).
#include "model/checkpoint/config_fields.h"
#include "model/checkpoint/config_io.h"

namespace gemma::model {

using json_util::Json;

namespace {
constexpr CheckpointLayout kKeras = CheckpointLayout::kKeras;
}  // namespace

KerasPresetJson KerasPresetFiles(const ModelConfig& mc, DType dtype,
                                 int64_t parameter_count) {
  const TextConfig& t = mc.text;
  auto policy = [](const char* name) {
    return Json{{"module", "keras"},
                {"class_name", "DTypePolicy"},
                {"config", {{"name", name}}},
                {"registered_name", nullptr}};
  };
  Json c;
  WriteSharedTextFields(t, kKeras, c);
  c["name"] = "gemma4_backbone";
  c["trainable"] = true;
  c["dtype"] = policy(dtype == DType::kBF16 ? "bfloat16" : "float32");
  c["image_size"] = mc.vision ? Json(896) : Json(nullptr);
  c["query_head_dim_normalize"] = true;
  c["attention_logit_soft_cap"] = t.attention_logit_soft_cap
                                      ? Json(*t.attention_logit_soft_cap)
                                      : Json(nullptr);
  c["final_logit_soft_cap"] =
      t.final_logit_soft_cap ? Json(*t.final_logit_soft_cap) : Json(nullptr);
  c["use_sliding_window_attention"] = t.use_sliding_window;
  c["sliding_window_size"] = t.sliding_window;
  c["layer_types"] = LayerTypesJson(t);
  c["global_head_dim"] = t.global_head_dim;
  c["local_rope_scaling_factor"] = t.local_rope_scaling;
  c["global_rope_scaling_factor"] = t.global_rope_scaling;
  if (mc.vision) {
    const VisionConfig& v = *mc.vision;
    Json vc;
    WriteVisionFields(v, kKeras, vc);
    vc["image_size"] = 896;
    vc["output_dim"] = t.hidden_dim;
    vc["dropout"] = 0;
    c["vision_encoder"] = {
        {"module", "keras_hub.src.models.gemma4.gemma4_vision_encoder"},
        {"class_name", "Gemma4VisionEncoder"},
        {"config", vc},
        {"registered_name", "keras_hub>Gemma4VisionEncoder"}};
  } else {
    c["vision_encoder"] = nullptr;
  }
  if (mc.audio) {
    const AudioConfig& a = *mc.audio;
    Json ac;
    WriteAudioFields(a, kKeras, ac);
    ac["name"] = "gemma4_audio_encoder";
    ac["trainable"] = true;
    ac["dtype"] = policy(dtype == DType::kBF16 ? "bfloat16" : "float32");
    ac["reduction_factor"] = 1;
    ac["output_dim"] = t.hidden_dim;
    ac["sscp_norm_eps"] = a.rms_norm_eps;
    c["audio_encoder"] = {
        {"module", "keras_hub.src.models.gemma4.gemma4_audio_encoder"},
        {"class_name", "Gemma4AudioEncoder"},
        {"config", ac},
        {"registered_name", "keras_hub>Gemma4AudioEncoder"}};
    c["num_audio_tokens_per_clip"] = 750;
  } else {
    c["audio_encoder"] = nullptr;
    c["num_audio_tokens_per_clip"] = nullptr;
  }
  c["use_bidirectional_attention"] = false;
  c["use_vision_bidirectional_attention"] = t.vision_bidirectional_attention;
  c["dropout"] = 0;
  c["is_embedding_model"] = false;
  c["num_global_key_value_heads"] =
      t.num_global_kv_heads ? Json(*t.num_global_kv_heads) : Json(nullptr);
  c["hidden_size_per_layer_input"] = t.per_layer_input_dim;
  c["vocab_size_per_layer_input"] =
      t.per_layer_input_dim > 0 ? Json(t.per_layer_vocab_size) : Json(nullptr);
  c["global_rope_wavelength"] = t.global_rope_base;
  c["local_rope_wavelength"] = t.local_rope_base;
  c["global_rope_partial_rotary_factor"] = t.global_partial_rotary_factor;
  // Null rather than the table's value when there are no experts.
  c["num_experts"] = t.enable_moe ? Json(t.num_experts) : Json(nullptr);
  c["expert_intermediate_dim"] =
      t.enable_moe ? Json(t.expert_intermediate_dim) : Json(nullptr);
  KerasPresetJson out;
  out.config = {{"module", "keras_hub.src.models.gemma4.gemma4_backbone"},
                {"class_name", "Gemma4Backbone"},
                {"config", c},
                {"registered_name", "keras_hub>Gemma4Backbone"}};
  Json tokenizer_cfg = {
      {"name", "gemma4_tokenizer"}, {"trainable", true},
      {"dtype", policy("int32")},   {"config_file", "tokenizer.json"},
      {"proto", nullptr},           {"sequence_length", nullptr},
      {"add_bos", false},           {"add_eos", false}};
  out.tokenizer = {{"module", "keras_hub.src.models.gemma4.gemma4_tokenizer"},
                   {"class_name", "Gemma4Tokenizer"},
                   {"config", tokenizer_cfg},
                   {"registered_name", "keras_hub>Gemma4Tokenizer"}};
  Json pre_cfg = {{"name", "gemma4_causal_lm_preprocessor"},
                  {"trainable", true},
                  {"dtype", policy("float32")},
                  {"tokenizer", out.tokenizer},
                  {"config_file", "preprocessor.json"},
                  {"sequence_length", mc.default_max_length},
                  {"add_start_token", true},
                  {"add_end_token", true}};
  if (mc.vision) {
    pre_cfg["num_vision_tokens_per_image"] = mc.vision->default_soft_tokens;
  }
  out.preprocessor = {
      {"module", "keras_hub.src.models.gemma4.gemma4_causal_lm_preprocessor"},
      {"class_name", "Gemma4CausalLMPreprocessor"},
      {"config", pre_cfg},
      {"registered_name", "keras_hub>Gemma4CausalLMPreprocessor"}};
  out.task = {{"module", "keras_hub.src.models.gemma4.gemma4_causal_lm"},
              {"class_name", "Gemma4CausalLM"},
              {"config",
               {{"backbone", out.config},
                {"preprocessor", out.preprocessor},
                {"name", "gemma4_causal_lm"},
                {"final_logit_cap", mc.task_final_logit_cap
                                        ? Json(*mc.task_final_logit_cap)
                                        : Json(nullptr)}}},
              {"registered_name", "keras_hub>Gemma4CausalLM"}};
  out.metadata = {{"keras_version", "3.16.0"},
                  {"keras_hub_version", "0.32.0.dev0"},
                  {"parameter_count", parameter_count},
                  {"tasks", {"CausalLM"}}};
  return out;
}

}  // namespace gemma::model
