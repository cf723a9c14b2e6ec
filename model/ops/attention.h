// Scaled-free dot-product attention of Gemma 4 (spec §2.5, §3) for one
// sequence chunk over a contiguous run of cached keys: grouped-query heads,
// causal, optional sliding window, optional bidirectional blocks (vision
// soft tokens), optional soft cap on scores, no 1/√d factor, and an all-zero
// output for a query row with no allowed key.
//
// Queries are T consecutive positions q_pos0..q_pos0+T-1; keys/values are S
// consecutive positions k_pos0..k_pos0+S-1 (the caller gathers them from the
// paged cache). Key j is allowed for query i iff
//   (j <= i and (window == 0 or i - j < window))  or  i, j in one block.
// Score products run on oneDNN's sgemm.
// Thread-safety: pure function of its arguments; `scratch` is the caller's.
#ifndef GEMMA_MODEL_OPS_ATTENTION_H_
#define GEMMA_MODEL_OPS_ATTENTION_H_

#include <optional>
#include <utility>
#include <vector>

#include "absl/types/span.h"

namespace gemma::model::ops {

struct AttentionShape {
  int num_q_heads = 0;
  int num_kv_heads = 0;
  int head_dim = 0;
};

struct AttentionMask {
  int window = 0;  // 0: no sliding window.
  // Half-open absolute position ranges [begin, end) attending bidirectionally.
  absl::Span<const std::pair<int, int>> blocks;
};

// q: [T, Nq, d]; k, v: [S, Nkv, d]; out: [T, Nq, d].
void Attention(const float* q, int T, int q_pos0, const float* k,
               const float* v, int S, int k_pos0, const AttentionShape& shape,
               const AttentionMask& mask, std::optional<float> score_cap,
               float* out, std::vector<float>* scratch);

// The allowed key interval [lo, hi] (absolute, inclusive; lo > hi if none)
// for a query at position `pos`, before clipping to the available keys.
std::pair<int, int> AllowedKeys(int pos, const AttentionMask& mask);

}  // namespace gemma::model::ops

#endif  // GEMMA_MODEL_OPS_ATTENTION_H_
