// The per-instance working state of Gemma4Model::Forward: the oneDNN
// stream and primitive cache (MatmulRunner) and every scratch buffer of a
// step. Buffers only grow, so once a model instance has seen its largest
// step it allocates nothing more.
//
// Thread-safety: not thread-safe; one per engine thread (model instance).
#ifndef GEMMA_MODEL_DECODER_FORWARD_STATE_H_
#define GEMMA_MODEL_DECODER_FORWARD_STATE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/ops/linear.h"
#include "model/ops/rope.h"

namespace gemma::model {

class ForwardState {
 public:
  explicit ForwardState(const dnnl::engine& engine) : runner(engine) {}
  ForwardState(const ForwardState&) = delete;
  ForwardState& operator=(const ForwardState&) = delete;

  // A buffer of at least n floats (contents unspecified).
  static float* Grow(std::vector<float>* v, size_t n) {
    if (v->size() < n) v->resize(n);
    return v->data();
  }

  ops::MatmulRunner runner;
  ops::RopeTable rope_local, rope_global;
  std::vector<int> positions, ple_ids;
  std::vector<float> x, h, tmp, qkv, q, attn, gate, up;
  std::vector<float> ple_u, ple_g;
  int64_t step = 0;  // Forward calls so far.
  std::vector<float> attn_scratch;
  std::vector<float> moe_logits, moe_weights, moe_z, moe_m, moe_rows, moe_gate,
      moe_up, moe_out;
  std::vector<int> moe_ids;
  std::vector<std::vector<std::pair<int, float>>> expert_rows;
  std::vector<float> head_in;
};

}  // namespace gemma::model

#endif  // GEMMA_MODEL_DECODER_FORWARD_STATE_H_
