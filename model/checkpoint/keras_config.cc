// Keras preset JSON files <-> ModelConfig (spec §1.1, §7.1).
// The vision and audio encoder configs are read by config_fields.h.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "model/checkpoint/config_fields.h"
#include "model/checkpoint/config_io.h"

namespace gemma::model {
namespace {

using json_util::Json;
using json_util::Reader;

absl::StatusOr<TextConfig> ParseKerasText(const Reader& r) {
  TextConfig t;
  GEMMA_RETURN_IF_ERROR(ReadSharedTextFields(r, CheckpointLayout::kKeras, t));
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
  GEMMA_ASSIGN_OR_RETURN(const bool listed_layer_types, ReadLayerTypes(r, t));
  if (!listed_layer_types) {
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
  GEMMA_JSON_BOOL(r, "use_vision_bidirectional_attention",
                  t.vision_bidirectional_attention, false);
  GEMMA_JSON_INT(r, "hidden_size_per_layer_input", t.per_layer_input_dim, 0);
  GEMMA_JSON_INT(r, "vocab_size_per_layer_input", t.per_layer_vocab_size,
                 t.vocab_size);
  if (t.per_layer_input_dim == 0) t.per_layer_vocab_size = 0;
  GEMMA_JSON_INT(r, "expert_intermediate_dim", t.expert_intermediate_dim, 0);
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
        ParseVisionConfig(Reader(*vision, source + " vision_encoder"),
                          CheckpointLayout::kKeras));
  }
  GEMMA_ASSIGN_OR_RETURN(const Json* audio, InnerConfig(r, "audio_encoder"));
  if (audio != nullptr) {
    GEMMA_ASSIGN_OR_RETURN(
        mc.audio, ParseAudioConfig(Reader(*audio, source + " audio_encoder"),
                                   CheckpointLayout::kKeras));
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
