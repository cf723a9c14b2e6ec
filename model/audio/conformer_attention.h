// Chunked local self-attention of the audio conformer with relative
// position bias (multimodal spec §4.4), in its exact banded form: query t
// sees keys t − W … t (W = context_left − 2, so 12 keys by default) that
// are valid; logit = q·k + q·R(t − t_k) with q scaled by
// head_dim^(−1/2)/ln 2 · softplus(per_dim_scale), k by ln(1+e)/ln 2, R the
// relative_k_proj of a sinusoidal timing signal; soft cap, float32 softmax
// over the allowed keys; heads concatenated into the clipped Lin_post.
//
// Thread-safety: immutable after Load(); Run() uses the caller's runner.
#ifndef GEMMA_MODEL_AUDIO_CONFORMER_ATTENTION_H_
#define GEMMA_MODEL_AUDIO_CONFORMER_ATTENTION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/config.h"
#include "model/ops/linear.h"
#include "model/vision/clipped_linear.h"
#include "model/weights.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace gemma::model {

class ConformerAttention {
 public:
  // `prefix` is "model.audio_tower.layers.N.self_attn.".
  static absl::StatusOr<ConformerAttention> Load(const dnnl::engine& engine,
                                                 const WeightStore& store,
                                                 const AudioConfig& config,
                                                 const std::string& prefix,
                                                 ops::WeightFormat format);
  ConformerAttention() = default;
  ConformerAttention(ConformerAttention&&) = default;
  ConformerAttention& operator=(ConformerAttention&&) = default;

  // x [steps, d_a] (already normed), mask [steps] -> out [steps, d_a].
  absl::Status Run(ops::MatmulRunner* runner, const float* x, int steps,
                   const int32_t* mask, float* out) const;

  // Relative position embeddings R(δ), δ = 0 … window, [window+1, d_a].
  const std::vector<float>& relative_embeddings() const { return rel_; }

 private:
  int num_heads_ = 0, head_dim_ = 0, window_ = 0;
  float logit_cap_ = 0;
  ClippedLinear q_, k_, v_, post_;
  std::vector<float> q_scale_;  // [head_dim]: all query scale factors.
  float k_scale_ = 0;
  std::vector<float> rel_;
};

}  // namespace gemma::model

#endif  // GEMMA_MODEL_AUDIO_CONFORMER_ATTENTION_H_
