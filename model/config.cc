#include "model/config.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace gemma::model {

LayerSpec TextConfig::Layer(int i) const {
  LayerSpec s;
  s.type = layer_types[i];
  const bool global = s.type == LayerType::kGlobal;
  s.head_dim = global ? global_head_dim : head_dim;
  s.k_eq_v = global && num_global_kv_heads.has_value();
  s.num_kv_heads = s.k_eq_v ? *num_global_kv_heads : num_kv_heads;
  const int first_shared = num_layers - num_kv_shared_layers;
  s.kv_shared = num_kv_shared_layers > 0 && i >= first_shared;
  s.kv_source = i;
  if (s.kv_shared) {
    if (first_shared == 0) {
      // keras-hub's MTP-assistant edge case (spec §2.6): sources 0 and 1.
      s.kv_source = global ? 1 : 0;
    } else {
      for (int j = first_shared - 1; j >= 0; --j) {
        if (layer_types[j] == s.type) {
          s.kv_source = j;
          break;
        }
      }
    }
  }
  s.mlp_dim = (use_double_wide_mlp && s.kv_shared) ? 2 * intermediate_dim
                                                   : intermediate_dim;
  s.rope_base = global ? global_rope_base : local_rope_base;
  s.rope_scaling = global ? global_rope_scaling : local_rope_scaling;
  if (global) {
    // keras-hub: round 0.25*ghd down to even, at least 2 (spec §2.5).
    int r = static_cast<int>(global_partial_rotary_factor * s.head_dim);
    r -= r % 2;
    s.rope_rotated = r < 2 ? 2 : r;
  } else {
    s.rope_rotated = s.head_dim;
  }
  return s;
}

absl::Status TextConfig::Validate() const {
  auto bad = [](auto&&... parts) {
    return absl::InvalidArgumentError(absl::StrCat("config: ", parts...));
  };
  if (vocab_size <= 0) return bad("vocabulary size must be positive");
  if (num_layers <= 0) return bad("num_layers must be positive");
  if (hidden_dim <= 0) return bad("hidden size must be positive");
  if (intermediate_dim <= 0) return bad("intermediate size must be positive");
  if (head_dim <= 0 || head_dim % 2 != 0) {
    return bad("head_dim must be positive and even, got ", head_dim);
  }
  if (global_head_dim <= 0 || global_head_dim % 2 != 0) {
    return bad("global_head_dim must be positive and even, got ",
               global_head_dim);
  }
  if (num_query_heads <= 0 || num_kv_heads <= 0) {
    return bad("head counts must be positive");
  }
  if (num_query_heads % num_kv_heads != 0) {
    return bad("num_attention_heads (", num_query_heads,
               ") is not a multiple of num_key_value_heads (", num_kv_heads,
               ")");
  }
  if (num_global_kv_heads.has_value() &&
      (*num_global_kv_heads <= 0 ||
       num_query_heads % *num_global_kv_heads != 0)) {
    return bad("num_global_key_value_heads (", *num_global_kv_heads,
               ") must divide num_attention_heads (", num_query_heads, ")");
  }
  if (static_cast<int>(layer_types.size()) != num_layers) {
    return bad("layer_types has ", layer_types.size(), " entries for ",
               num_layers, " layers");
  }
  if (num_kv_shared_layers < 0 || num_kv_shared_layers > num_layers) {
    return bad("num_kv_shared_layers (", num_kv_shared_layers,
               ") out of range");
  }
  if (sliding_window <= 0) return bad("sliding window must be positive");
  if (per_layer_input_dim < 0) return bad("per-layer input size negative");
  if (per_layer_input_dim > 0 && per_layer_vocab_size <= 0) {
    return bad("per-layer vocabulary size must be positive");
  }
  if (global_partial_rotary_factor <= 0 || global_partial_rotary_factor > 1) {
    return bad("partial_rotary_factor must be in (0, 1]");
  }
  if (enable_moe) {
    if (num_experts <= 0 || expert_intermediate_dim <= 0) {
      return bad("MoE needs num_experts and expert intermediate size");
    }
    if (num_experts_per_token <= 0 || num_experts_per_token > num_experts) {
      return bad("top_k_experts (", num_experts_per_token,
                 ") must be in [1, num_experts=", num_experts, "]");
    }
  }
  if (num_kv_shared_layers > 0 && num_kv_shared_layers < num_layers) {
    for (int i = num_layers - num_kv_shared_layers; i < num_layers; ++i) {
      if (Layer(i).kv_source == i) {
        return bad("KV-shared layer ", i, " has no earlier layer of its type");
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace gemma::model
