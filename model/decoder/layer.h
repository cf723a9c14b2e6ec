// Internal to the decoder: the packed weights and norm scales of one
// decoder layer. Thread-safety: immutable after Gemma4Model::Create().
#ifndef GEMMA_MODEL_DECODER_LAYER_H_
#define GEMMA_MODEL_DECODER_LAYER_H_

#include <memory>
#include <vector>

#include "model/config.h"
#include "model/decoder/gemma4_model.h"
#include "model/ops/linear.h"

namespace gemma::model {

struct Gemma4Model::Layer {
  LayerSpec spec;
  bool owns_kv = false;
  int q_width = 0;   // Nq * d.
  int kv_width = 0;  // nkv * d.
  // q_proj, then (own K/V) k_proj, then v_proj unless K=V: [q | k | v].
  std::unique_ptr<ops::PackedWeight> qkv;
  std::unique_ptr<ops::PackedWeight> o;
  std::vector<float> q_norm, k_norm;
  std::vector<float> input_norm, post_attn_norm, pre_ffw_norm, post_ffw_norm;
  // Dense MLP: gate (gelu epilogue), up (multiply-by-gate), down.
  std::unique_ptr<ops::PackedWeight> gate, up, down;
  // MoE (26B-A4B-like): router and experts, plus the extra norms.
  std::unique_ptr<ops::PackedWeight> router;
  std::vector<float> router_scale, per_expert_scale;
  std::vector<std::unique_ptr<ops::PackedWeight>> expert_gate, expert_up,
      expert_down;
  std::vector<float> post_ffw_norm_1, pre_ffw_norm_2, post_ffw_norm_2;
  // Per-layer-embedding gate (gelu epilogue) and projection back to H.
  std::unique_ptr<ops::PackedWeight> ple_gate, ple_proj;
  std::vector<float> ple_post_norm;
  float layer_scalar = 1.0f;
};

}  // namespace gemma::model

#endif  // GEMMA_MODEL_DECODER_LAYER_H_
