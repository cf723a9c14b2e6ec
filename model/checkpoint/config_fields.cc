#include "model/checkpoint/config_fields.h"

#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "base/status_macros.h"

namespace gemma::model {
namespace {

using json_util::Json;
using json_util::Reader;

// One config field of tower config `C`.
template <typename C>
struct ConfigField {
  // Key in each layout; nullptr: that layout has no such key, so its default
  // always applies. A Hugging Face key "a.b" is key b of the object a.
  const char* hf_key;
  const char* keras_key;
  std::variant<int C::*, float C::*, bool C::*, std::vector<int> C::*> member;
  // Values for an absent or null key (a list member keeps C's default).
  double hf_default = 0;
  double keras_default = 0;
  // Set: the default is the value already read into this member instead.
  int C::*default_from = nullptr;
  // The value must be > 0 (checked after all fields are read).
  bool positive = false;
};

constexpr bool kPositive = true;

using T = TextConfig;
const ConfigField<T> kTextFields[] = {
    // hf key, keras key, member, hf default, keras default
    {"vocab_size", "vocabulary_size", &T::vocab_size, 262144, 0},
    {"hidden_size", "hidden_dim", &T::hidden_dim, 2304, 0},
    {"intermediate_size", "intermediate_dim", &T::intermediate_dim, 9216, 0},
    {"num_hidden_layers", "num_layers", &T::num_layers, 30, 0},
    {"num_attention_heads", "num_query_heads", &T::num_query_heads, 8, 0},
    {"num_key_value_heads", "num_key_value_heads", &T::num_kv_heads, 4, 0},
    {"head_dim", "head_dim", &T::head_dim, 256, 0},
    {"rms_norm_eps", "layer_norm_epsilon", &T::rms_norm_eps, 1e-6, 1e-6},
    {"num_kv_shared_layers", "num_kv_shared_layers", &T::num_kv_shared_layers,
     0, 0},
    {"use_double_wide_mlp", "use_double_wide_mlp", &T::use_double_wide_mlp,
     false, false},
    {"enable_moe_block", "enable_moe_block", &T::enable_moe, false, false},
    {"num_experts", "num_experts", &T::num_experts, 0, 0},
    {"top_k_experts", "num_experts_per_token", &T::num_experts_per_token, 8, 8},
};

using V = VisionConfig;
const ConfigField<V> kVisionFields[] = {
    // hf key, keras key, member, hf default, keras default, ...
    {"hidden_size", "hidden_dim", &V::hidden_dim, 768, 768, nullptr, kPositive},
    {"intermediate_size", "intermediate_dim", &V::intermediate_dim, 3072, 3072,
     nullptr, kPositive},
    {"num_hidden_layers", "num_layers", &V::num_layers, 16, 16, nullptr,
     kPositive},
    {"num_attention_heads", "num_heads", &V::num_heads, 12, 12, nullptr,
     kPositive},
    {"num_key_value_heads", "num_key_value_heads", &V::num_kv_heads, 0, 0,
     &V::num_heads, kPositive},
    {"head_dim", "head_dim", &V::head_dim, 64, 64, nullptr, kPositive},
    {"rms_norm_eps", "layer_norm_epsilon", &V::rms_norm_eps, 1e-6, 1e-6},
    {"rope_parameters.rope_theta", "rope_max_wavelength", &V::rope_base, 100,
     100},
    {"patch_size", "patch_size", &V::patch_size, 16, 16, nullptr, kPositive},
    {"pooling_kernel_size", "pool_size", &V::pooling_kernel, 3, 3, nullptr,
     kPositive},
    {"position_embedding_size", "position_embedding_size",
     &V::position_embedding_size, 10240, 1024, nullptr, kPositive},
    {"use_clipped_linears", "use_clipped_linears", &V::use_clipped_linears,
     false, true},
    {"standardize", "standardize", &V::standardize, false, false},
    // Keras keeps the per-image budget in preprocessor.json.
    {"default_output_length", nullptr, &V::default_soft_tokens, 280, 280},
};

using A = AudioConfig;
const ConfigField<A> kAudioFields[] = {
    {"hidden_size", "hidden_size", &A::hidden_dim, 1024, 1024, nullptr,
     kPositive},
    {"num_hidden_layers", "num_layers", &A::num_layers, 12, 12, nullptr,
     kPositive},
    {"num_attention_heads", "num_heads", &A::num_heads, 8, 8, nullptr,
     kPositive},
    {"subsampling_conv_channels", "sscp_conv_channels", &A::sscp_channels},
    {"conv_kernel_size", "conv_kernel_size", &A::conv_kernel_size, 5, 5,
     nullptr, kPositive},
    {"residual_weight", "residual_weight", &A::residual_weight, 0.5, 0.5},
    {"attention_chunk_size", "chunk_size", &A::chunk_size, 12, 12},
    {"attention_context_left", "context_left", &A::context_left, 13, 13},
    {"attention_context_right", "context_right", &A::context_right, 0, 0},
    {"attention_logit_cap", "logit_cap", &A::logit_cap, 50, 50},
    {"attention_invalid_logits_value", "invalid_logit_value",
     &A::invalid_logit_value, -1e9, -1e9},
    // keras-hub's audio linears always clip.
    {"use_clipped_linears", nullptr, &A::use_clipped_linears, true, true},
    {"rms_norm_eps", "norm_eps", &A::rms_norm_eps, 1e-6, 1e-6},
    {"gradient_clipping", "gradient_clipping", &A::gradient_clipping, 1e10,
     1e10},
    {"output_proj_dims", "output_proj_dims", &A::output_proj_dims, 1536, 1536,
     nullptr, kPositive},
    {"input_feat_size", "input_feat_size", &A::input_feat_size, 128, 128,
     nullptr, kPositive},
};

// A non-empty list of positive ints; absent or null keeps `list`.
absl::Status ReadIntList(const Reader& r, const char* key,
                         std::vector<int>& list) {
  if (!r.Has(key) || r.IsNull(key)) return absl::OkStatus();
  const Json& value = r.json().at(key);
  if (!value.is_array() || value.empty()) {
    return r.TypeError(key, "a list of ints");
  }
  list.clear();
  for (const Json& e : value) {
    if (!e.is_number_integer() || e.get<int>() <= 0) {
      return r.TypeError(key, "positive ints");
    }
    list.push_back(e.get<int>());
  }
  return absl::OkStatus();
}

template <typename C>
absl::Status ReadField(const Reader& r, const char* key, double def,
                       const ConfigField<C>& field, C& config) {
  return std::visit(
      [&](auto member) -> absl::Status {
        using Value = std::remove_reference_t<decltype(config.*member)>;
        Value& dst = config.*member;
        if constexpr (std::is_same_v<Value, std::vector<int>>) {
          if (key == nullptr) return absl::OkStatus();
          return ReadIntList(r, key, dst);
        } else {
          const Value fallback =
              field.default_from != nullptr
                  ? static_cast<Value>(config.*field.default_from)
                  : static_cast<Value>(def);
          dst = fallback;
          if (key == nullptr) return absl::OkStatus();
          if constexpr (std::is_same_v<Value, int>) {
            GEMMA_JSON_INT(r, key, dst, fallback);
          } else if constexpr (std::is_same_v<Value, float>) {
            GEMMA_JSON_FLOAT(r, key, dst, fallback);
          } else {
            GEMMA_JSON_BOOL(r, key, dst, fallback);
          }
          return absl::OkStatus();
        }
      },
      field.member);
}

// Reads every field of `table` for `layout` into `config`, in table order.
template <typename C, size_t N>
absl::Status ReadFields(const Reader& tower, CheckpointLayout layout,
                        const ConfigField<C> (&table)[N], C& config) {
  const bool hf = layout == CheckpointLayout::kHuggingFace;
  for (const ConfigField<C>& field : table) {
    const char* key = hf ? field.hf_key : field.keras_key;
    const double def = hf ? field.hf_default : field.keras_default;
    // "a.b": key b of the object a (absent or null a: b is absent).
    const size_t dot = key == nullptr ? absl::string_view::npos
                                      : absl::string_view(key).find('.');
    if (dot == absl::string_view::npos) {
      GEMMA_RETURN_IF_ERROR(ReadField(tower, key, def, field, config));
      continue;
    }
    const std::string object_key(key, dot);
    GEMMA_ASSIGN_OR_RETURN(const Json* object,
                           tower.Object(object_key.c_str()));
    if (object == nullptr) {
      GEMMA_RETURN_IF_ERROR(ReadField(tower, nullptr, def, field, config));
    } else {
      const Reader inner(*object, tower.source() + " " + object_key);
      GEMMA_RETURN_IF_ERROR(
          ReadField(inner, key + dot + 1, def, field, config));
    }
  }
  return absl::OkStatus();
}

template <typename C, size_t N>
bool AllPositive(const ConfigField<C> (&table)[N], const C& config) {
  for (const ConfigField<C>& field : table) {
    if (!field.positive) continue;
    const bool positive = std::visit(
        [&](auto member) {
          using Value = std::remove_cv_t<
              std::remove_reference_t<decltype(config.*member)>>;
          if constexpr (std::is_same_v<Value, int> ||
                        std::is_same_v<Value, float>) {
            return config.*member > 0;
          } else {
            return true;
          }
        },
        field.member);
    if (!positive) return false;
  }
  return true;
}

// Sets every field of `table` that `layout` has a key for.
template <typename C, size_t N>
void WriteFields(const C& config, CheckpointLayout layout,
                 const ConfigField<C> (&table)[N], Json& out) {
  const bool hf = layout == CheckpointLayout::kHuggingFace;
  for (const ConfigField<C>& field : table) {
    const char* key = hf ? field.hf_key : field.keras_key;
    if (key == nullptr) continue;
    const Json value = std::visit(
        [&](auto member) { return Json(config.*member); }, field.member);
    const absl::string_view k(key);
    const size_t dot = k.find('.');
    if (dot == absl::string_view::npos) {
      out[std::string(k)] = value;
    } else {
      out[std::string(k.substr(0, dot))][std::string(k.substr(dot + 1))] =
          value;
    }
  }
}

}  // namespace

void WriteSharedTextFields(const TextConfig& text, CheckpointLayout layout,
                           Json& out) {
  WriteFields(text, layout, kTextFields, out);
}

void WriteVisionFields(const VisionConfig& vision, CheckpointLayout layout,
                       Json& out) {
  WriteFields(vision, layout, kVisionFields, out);
}

void WriteAudioFields(const AudioConfig& audio, CheckpointLayout layout,
                      Json& out) {
  WriteFields(audio, layout, kAudioFields, out);
}

Json LayerTypesJson(const TextConfig& text) {
  Json types = Json::array();
  for (LayerType lt : text.layer_types) {
    types.push_back(lt == LayerType::kGlobal ? "full_attention"
                                             : "sliding_attention");
  }
  return types;
}

absl::Status ReadSharedTextFields(const Reader& text_config,
                                  CheckpointLayout layout, TextConfig& text) {
  return ReadFields(text_config, layout, kTextFields, text);
}

absl::StatusOr<bool> ReadLayerTypes(const Reader& text_config,
                                    TextConfig& text) {
  constexpr char kKey[] = "layer_types";
  if (!text_config.Has(kKey) || text_config.IsNull(kKey)) return false;
  const Json& list = text_config.json().at(kKey);
  if (!list.is_array()) return text_config.TypeError(kKey, "a list");
  text.layer_types.clear();
  for (const Json& e : list) {
    const std::string s = e.is_string() ? e.get<std::string>() : "";
    if (s == "full_attention") {
      text.layer_types.push_back(LayerType::kGlobal);
    } else if (s == "sliding_attention") {
      text.layer_types.push_back(LayerType::kSliding);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          text_config.source(), ": unknown layer type ", e.dump().substr(0, 40),
          " (expected full_attention or sliding_attention)"));
    }
  }
  return true;
}

absl::StatusOr<VisionConfig> ParseVisionConfig(const Reader& tower,
                                               CheckpointLayout layout) {
  VisionConfig v;
  GEMMA_RETURN_IF_ERROR(ReadFields(tower, layout, kVisionFields, v));
  if (!AllPositive(kVisionFields, v)) {
    return absl::InvalidArgumentError(
        absl::StrCat(tower.source(), ": vision sizes must be positive"));
  }
  return v;
}

absl::StatusOr<AudioConfig> ParseAudioConfig(const Reader& tower,
                                             CheckpointLayout layout) {
  AudioConfig a;
  GEMMA_RETURN_IF_ERROR(ReadFields(tower, layout, kAudioFields, a));
  if (!AllPositive(kAudioFields, a) || a.hidden_dim % a.num_heads != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(tower.source(),
                     ": audio sizes must be positive, heads dividing hidden"));
  }
  return a;
}

}  // namespace gemma::model
