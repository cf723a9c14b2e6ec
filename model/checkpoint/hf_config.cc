// Hugging Face config.json <-> ModelConfig (spec §1.2, multimodal §2.1/§4.1).
// The vision and audio sections are read by config_fields.h.
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "model/checkpoint/config_fields.h"
#include "model/checkpoint/config_io.h"

namespace gemma::model {
namespace {

using json_util::Json;
using json_util::Reader;

absl::Status ParseLayerTypes(const Reader& r, TextConfig& t) {
  GEMMA_ASSIGN_OR_RETURN(const bool listed, ReadLayerTypes(r, t));
  if (listed) return absl::OkStatus();
  int pattern = 6;
  for (const char* key :
       {"sliding_window_pattern", "_sliding_window_pattern"}) {
    GEMMA_ASSIGN_OR_RETURN(auto p, r.Int(key));
    if (p.has_value()) pattern = *p;
  }
  if (pattern <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(r.source(), ": sliding_window_pattern must be positive"));
  }
  FillLayerTypes(t, pattern, /*force_last_global=*/true);
  return absl::OkStatus();
}

absl::Status ParseRope(const Reader& r, TextConfig& t) {
  GEMMA_ASSIGN_OR_RETURN(auto theta, r.Number("rope_theta"));
  t.global_rope_base = theta ? static_cast<float>(*theta) : 1e6f;
  t.local_rope_base = theta ? static_cast<float>(*theta) : 1e4f;
  t.global_partial_rotary_factor = 0.25f;
  GEMMA_ASSIGN_OR_RETURN(const Json* rope, r.Object("rope_parameters"));
  if (rope == nullptr) return absl::OkStatus();
  Reader rr(*rope, r.source() + " rope_parameters");
  GEMMA_ASSIGN_OR_RETURN(const Json* full, rr.Object("full_attention"));
  if (full != nullptr) {
    Reader f(*full, r.source() + " rope_parameters.full_attention");
    GEMMA_JSON_FLOAT(f, "rope_theta", t.global_rope_base, t.global_rope_base);
    GEMMA_JSON_FLOAT(f, "partial_rotary_factor", t.global_partial_rotary_factor,
                     0.25f);
    GEMMA_JSON_FLOAT(f, "factor", t.global_rope_scaling, 1.0f);
  }
  GEMMA_ASSIGN_OR_RETURN(const Json* sliding, rr.Object("sliding_attention"));
  if (sliding != nullptr) {
    Reader s(*sliding, r.source() + " rope_parameters.sliding_attention");
    GEMMA_JSON_FLOAT(s, "rope_theta", t.local_rope_base, t.local_rope_base);
    GEMMA_JSON_FLOAT(s, "factor", t.local_rope_scaling, 1.0f);
  }
  if (t.global_rope_scaling != 1.0f || t.local_rope_scaling != 1.0f) {
    LOG(WARNING) << r.source()
                 << ": rope_parameters has a scaling factor; applied as "
                    "Hugging Face does (keras-hub ignores it)";
  }
  return absl::OkStatus();
}

absl::StatusOr<TextConfig> ParseHfText(const Reader& r) {
  TextConfig t;
  GEMMA_RETURN_IF_ERROR(
      ReadSharedTextFields(r, CheckpointLayout::kHuggingFace, t));
  // global_head_dim / num_global_key_value_heads: plain keys, or inside the
  // newer per_layer_config map (directly or under "full_attention").
  std::optional<int> ghd, ngkv;
  {
    GEMMA_ASSIGN_OR_RETURN(ghd, r.Int("global_head_dim"));
    GEMMA_ASSIGN_OR_RETURN(ngkv, r.Int("num_global_key_value_heads"));
    GEMMA_ASSIGN_OR_RETURN(const Json* plc, r.Object("per_layer_config"));
    if (plc != nullptr) {
      std::vector<Reader> readers{
          Reader(*plc, r.source() + " per_layer_config")};
      if (plc->contains("full_attention") &&
          (*plc)["full_attention"].is_object()) {
        readers.emplace_back((*plc)["full_attention"],
                             r.source() + " per_layer_config.full_attention");
      }
      for (const Reader& p : readers) {
        GEMMA_ASSIGN_OR_RETURN(auto g, p.Int("global_head_dim"));
        if (!ghd && g) ghd = g;
        GEMMA_ASSIGN_OR_RETURN(auto h, p.Int("head_dim"));
        if (!ghd && h && &p != &readers[0]) ghd = h;
        GEMMA_ASSIGN_OR_RETURN(auto n, p.Int("num_global_key_value_heads"));
        if (!ngkv && n) ngkv = n;
      }
    }
  }
  t.global_head_dim = ghd.value_or(512);
  t.num_global_kv_heads = ngkv;
  GEMMA_ASSIGN_OR_RETURN(auto k_eq_v, r.Bool("attention_k_eq_v"));
  if (k_eq_v.value_or(false) && !t.num_global_kv_heads) {
    t.num_global_kv_heads = t.num_kv_heads;
  }
  GEMMA_ASSIGN_OR_RETURN(auto attn_cap, r.Number("attn_logit_softcapping"));
  if (attn_cap) t.attention_logit_soft_cap = static_cast<float>(*attn_cap);
  GEMMA_ASSIGN_OR_RETURN(auto final_cap, r.Number("final_logit_softcapping"));
  if (final_cap) t.final_logit_soft_cap = static_cast<float>(*final_cap);
  if (r.IsNull("sliding_window")) {
    t.use_sliding_window = false;
    t.sliding_window = 512;
  } else {
    GEMMA_JSON_INT(r, "sliding_window", t.sliding_window, 512);
    t.use_sliding_window = t.sliding_window > 0;
    if (t.sliding_window <= 0) t.sliding_window = 512;
  }
  GEMMA_RETURN_IF_ERROR(ParseLayerTypes(r, t));
  GEMMA_RETURN_IF_ERROR(ParseRope(r, t));
  if (r.IsNull("hidden_size_per_layer_input")) {
    t.per_layer_input_dim = 0;
  } else {
    GEMMA_JSON_INT(r, "hidden_size_per_layer_input", t.per_layer_input_dim,
                   256);
  }
  GEMMA_JSON_INT(r, "vocab_size_per_layer_input", t.per_layer_vocab_size,
                 r.Has("vocab_size_per_layer_input") ? t.vocab_size : 262144);
  if (t.per_layer_input_dim == 0) t.per_layer_vocab_size = 0;
  GEMMA_JSON_INT(r, "moe_intermediate_size", t.expert_intermediate_dim, 0);
  if (t.expert_intermediate_dim == 0) {
    GEMMA_JSON_INT(r, "expert_intermediate_size", t.expert_intermediate_dim, 0);
  }
  GEMMA_ASSIGN_OR_RETURN(auto bidi, r.String("use_bidirectional_attention"));
  t.vision_bidirectional_attention = bidi.has_value() && *bidi == "vision";
  return t;
}

}  // namespace

absl::StatusOr<ModelConfig> ParseHfConfig(const Json& config,
                                          const std::string& source) {
  if (!config.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": config is not a JSON object"));
  }
  Reader top(config, source);
  GEMMA_ASSIGN_OR_RETURN(auto model_type, top.String("model_type"));
  ModelConfig mc;
  mc.layout = CheckpointLayout::kHuggingFace;
  GEMMA_ASSIGN_OR_RETURN(const Json* text_json, top.Object("text_config"));
  if (model_type == "gemma4" && text_json == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": model_type gemma4 needs a text_config"));
  }
  if (model_type != "gemma4" && model_type != "gemma4_text") {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": model_type is \"", model_type.value_or("(none)"),
        "\", expected gemma4 or gemma4_text"));
  }
  const Json& tj = text_json != nullptr ? *text_json : config;
  GEMMA_ASSIGN_OR_RETURN(
      mc.text,
      ParseHfText(
          Reader(tj, text_json != nullptr ? source + " text_config" : source)));
  GEMMA_ASSIGN_OR_RETURN(const Json* vision_json, top.Object("vision_config"));
  if (vision_json != nullptr) {
    GEMMA_ASSIGN_OR_RETURN(
        mc.vision,
        ParseVisionConfig(Reader(*vision_json, source + " vision_config"),
                          CheckpointLayout::kHuggingFace));
    GEMMA_ASSIGN_OR_RETURN(auto soft, top.Int("vision_soft_tokens_per_image"));
    if (soft) mc.vision->default_soft_tokens = *soft;
  }
  GEMMA_ASSIGN_OR_RETURN(const Json* audio_json, top.Object("audio_config"));
  if (audio_json != nullptr) {
    GEMMA_ASSIGN_OR_RETURN(
        mc.audio,
        ParseAudioConfig(Reader(*audio_json, source + " audio_config"),
                         CheckpointLayout::kHuggingFace));
  }
  GEMMA_RETURN_IF_ERROR(CheckConfig(mc, source));
  mc.family = DetectFamily(mc.text);
  return mc;
}

}  // namespace gemma::model
