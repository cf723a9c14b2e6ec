// Scaled-free dot-product attention of Gemma 4 (spec §2.5, §3) for one
// sequence chunk: grouped-query heads, causal, optional sliding window,
// optional bidirectional blocks (vision soft tokens), optional soft cap on
// scores, no 1/√d factor, and an all-zero output for a query row with no
// allowed key.
//
// Queries are T consecutive positions q_pos0..q_pos0+T-1. Keys/values are
// read either from a contiguous run of S positions k_pos0..k_pos0+S-1
// (Attention) or in place from the paged KV cache's blocks (PagedAttention:
// no per-step copy of the context). Key j is allowed for query i iff
//   (j <= i and (window == 0 or i - j < window))  or  i, j in one block.
// Both run the same two-pass computation per query tile: Q·Kᵀ into a score
// row (one sgemm per run of physically adjacent key rows), soft cap and
// softmax over the allowed keys, then P·V accumulated run by run. Products
// run on oneDNN's sgemm.
// Thread-safety: pure functions of their arguments; `scratch` is the
// caller's.
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

// One cached layer's K and V rows spread over fixed-size blocks: position p
// lives in block blocks[p / block_size], row p % block_size, at
// k + (block * block_size + row) * row_width (same for v).
struct PagedKv {
  const float* k = nullptr;
  const float* v = nullptr;
  int block_size = 0;
  int row_width = 0;  // num_kv_heads * head_dim.
  // Block ids in position order; entries of positions that are not read
  // may be negative (blocks already returned to the pool).
  absl::Span<const int> blocks;
};

// q: [T, Nq, d]; k, v: [S, Nkv, d]; out: [T, Nq, d].
void Attention(const float* q, int T, int q_pos0, const float* k,
               const float* v, int S, int k_pos0, const AttentionShape& shape,
               const AttentionMask& mask, std::optional<float> score_cap,
               float* out, std::vector<float>* scratch);

// q: [T, Nq, d]; out: [T, Nq, d]. The keys available are positions
// [k_begin, k_end) of `kv`, whose blocks must all be held.
void PagedAttention(const float* q, int T, int q_pos0, const PagedKv& kv,
                    int k_begin, int k_end, const AttentionShape& shape,
                    const AttentionMask& mask, std::optional<float> score_cap,
                    float* out, std::vector<float>* scratch);

// The allowed key interval [lo, hi] (absolute, inclusive; lo > hi if none)
// for a query at position `pos`, before clipping to the available keys.
std::pair<int, int> AllowedKeys(int pos, const AttentionMask& mask);

}  // namespace gemma::model::ops

#endif  // GEMMA_MODEL_OPS_ATTENTION_H_
