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
  c["name"] = "gemma4_backbone";
  c["trainable"] = true;
  c["dtype"] = policy(dtype == DType::kBF16 ? "bfloat16" : "float32");
  c["vocabulary_size"] = t.vocab_size;
  c["image_size"] = mc.vision ? Json(896) : Json(nullptr);
  c["num_layers"] = t.num_layers;
  c["num_query_heads"] = t.num_query_heads;
  c["num_key_value_heads"] = t.num_kv_heads;
  c["hidden_dim"] = t.hidden_dim;
  c["intermediate_dim"] = t.intermediate_dim;
  c["head_dim"] = t.head_dim;
  c["query_head_dim_normalize"] = true;
  c["attention_logit_soft_cap"] = t.attention_logit_soft_cap
                                      ? Json(*t.attention_logit_soft_cap)
                                      : Json(nullptr);
  c["final_logit_soft_cap"] =
      t.final_logit_soft_cap ? Json(*t.final_logit_soft_cap) : Json(nullptr);
  c["use_sliding_window_attention"] = t.use_sliding_window;
  c["sliding_window_size"] = t.sliding_window;
  Json types = Json::array();
  for (LayerType lt : t.layer_types) {
    types.push_back(lt == LayerType::kGlobal ? "full_attention"
                                             : "sliding_attention");
  }
  c["layer_types"] = types;
  c["global_head_dim"] = t.global_head_dim;
  c["local_rope_scaling_factor"] = t.local_rope_scaling;
  c["global_rope_scaling_factor"] = t.global_rope_scaling;
  if (mc.vision) {
    const VisionConfig& v = *mc.vision;
    c["vision_encoder"] = {
        {"module", "keras_hub.src.models.gemma4.gemma4_vision_encoder"},
        {"class_name", "Gemma4VisionEncoder"},
        {"config",
         {{"image_size", 896},
          {"patch_size", v.patch_size},
          {"num_heads", v.num_heads},
          {"hidden_dim", v.hidden_dim},
          {"num_layers", v.num_layers},
          {"intermediate_dim", v.intermediate_dim},
          {"head_dim", v.head_dim},
          {"output_dim", t.hidden_dim},
          {"num_key_value_heads", v.num_kv_heads},
          {"pool_size", v.pooling_kernel},
          {"position_embedding_size", v.position_embedding_size},
          {"rope_max_wavelength", v.rope_base},
          {"layer_norm_epsilon", v.rms_norm_eps},
          {"dropout", 0},
          {"use_clipped_linears", v.use_clipped_linears},
          {"standardize", v.standardize}}},
        {"registered_name", "keras_hub>Gemma4VisionEncoder"}};
  } else {
    c["vision_encoder"] = nullptr;
  }
  if (mc.audio) {
    const AudioConfig& a = *mc.audio;
    c["audio_encoder"] = {
        {"module", "keras_hub.src.models.gemma4.gemma4_audio_encoder"},
        {"class_name", "Gemma4AudioEncoder"},
        {"config",
         {{"name", "gemma4_audio_encoder"},
          {"trainable", true},
          {"dtype", policy(dtype == DType::kBF16 ? "bfloat16" : "float32")},
          {"input_feat_size", a.input_feat_size},
          {"hidden_size", a.hidden_dim},
          {"num_heads", a.num_heads},
          {"num_layers", a.num_layers},
          {"chunk_size", a.chunk_size},
          {"context_left", a.context_left},
          {"context_right", a.context_right},
          {"logit_cap", a.logit_cap},
          {"invalid_logit_value", a.invalid_logit_value},
          {"conv_kernel_size", a.conv_kernel_size},
          {"reduction_factor", 1},
          {"residual_weight", a.residual_weight},
          {"gradient_clipping", a.gradient_clipping},
          {"sscp_conv_channels", a.sscp_channels},
          {"output_proj_dims", a.output_proj_dims},
          {"output_dim", t.hidden_dim},
          {"norm_eps", a.rms_norm_eps},
          {"sscp_norm_eps", a.rms_norm_eps}}},
        {"registered_name", "keras_hub>Gemma4AudioEncoder"}};
    c["num_audio_tokens_per_clip"] = 750;
  } else {
    c["audio_encoder"] = nullptr;
    c["num_audio_tokens_per_clip"] = nullptr;
  }
  c["use_bidirectional_attention"] = false;
  c["use_vision_bidirectional_attention"] = t.vision_bidirectional_attention;
  c["layer_norm_epsilon"] = t.rms_norm_eps;
  c["dropout"] = 0;
  c["is_embedding_model"] = false;
  c["num_kv_shared_layers"] = t.num_kv_shared_layers;
  c["num_global_key_value_heads"] =
      t.num_global_kv_heads ? Json(*t.num_global_kv_heads) : Json(nullptr);
  c["hidden_size_per_layer_input"] = t.per_layer_input_dim;
  c["vocab_size_per_layer_input"] =
      t.per_layer_input_dim > 0 ? Json(t.per_layer_vocab_size) : Json(nullptr);
  c["global_rope_wavelength"] = t.global_rope_base;
  c["local_rope_wavelength"] = t.local_rope_base;
  c["global_rope_partial_rotary_factor"] = t.global_partial_rotary_factor;
  c["use_double_wide_mlp"] = t.use_double_wide_mlp;
  c["enable_moe_block"] = t.enable_moe;
  c["num_experts"] = t.enable_moe ? Json(t.num_experts) : Json(nullptr);
  c["expert_intermediate_dim"] =
      t.enable_moe ? Json(t.expert_intermediate_dim) : Json(nullptr);
  c["num_experts_per_token"] = t.num_experts_per_token;
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
