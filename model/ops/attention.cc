#include "model/ops/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/logging.h"
#include "model/ops/activations.h"
#include "oneapi/dnnl/dnnl.h"

namespace gemma::model::ops {
namespace {

constexpr int kQueryTile = 128;

void Sgemm(char ta, char tb, int m, int n, int k, const float* a, int lda,
           const float* b, int ldb, float beta, float* c, int ldc) {
  const dnnl_status_t st =
      dnnl_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
  CHECK(st == dnnl_success) << "dnnl_sgemm failed: " << static_cast<int>(st);
}

// A run of key positions [pos, pos + len) whose K and V rows are adjacent
// in memory.
struct KeyRun {
  int pos = 0;
  int len = 0;
  const float* k = nullptr;
  const float* v = nullptr;
};

// Keys of a contiguous buffer: one run.
struct ContiguousKeys {
  const float* k;
  const float* v;
  int pos0;
  int row;
  KeyRun Run(int pos, int hi) const {
    const size_t off = static_cast<size_t>(pos - pos0) * row;
    return {pos, hi - pos + 1, k + off, v + off};
  }
};

// Keys of the paged cache: blocks with consecutive ids form one run.
struct PagedKeys {
  const PagedKv& kv;
  KeyRun Run(int pos, int hi) const {
    const int bs = kv.block_size;
    const int first = kv.blocks[pos / bs];
    DCHECK(first >= 0) << "reading a released block at position " << pos;
    const size_t off =
        (static_cast<size_t>(first) * bs + pos % bs) * kv.row_width;
    int end = (pos / bs + 1) * bs;  // Exclusive end of the run so far.
    int id = first;
    while (end <= hi && kv.blocks[end / bs] == id + 1) {
      ++id;
      end += bs;
    }
    return {pos, std::min(end, hi + 1) - pos, kv.k + off, kv.v + off};
  }
};

// The shared body: keys [k_begin, k_end) come from `keys.Run`.
template <typename Keys>
void AttendTiles(const float* q, int T, int q_pos0, const Keys& keys,
                 int k_begin, int k_end, const AttentionShape& shape,
                 const AttentionMask& mask, std::optional<float> score_cap,
                 float* out, std::vector<float>* scratch) {
  const int nq = shape.num_q_heads, nkv = shape.num_kv_heads;
  const int d = shape.head_dim;
  const int group = nq / nkv;
  const int q_stride = nq * d, kv_stride = nkv * d;

  for (int t0 = 0; t0 < T; t0 += kQueryTile) {
    const int tn = std::min(kQueryTile, T - t0);
    // Key interval this tile needs, clipped to the available keys.
    int lo = k_end, hi = k_begin - 1;
    std::pair<int, int> rows[kQueryTile];
    for (int t = 0; t < tn; ++t) {
      auto [a, b] = AllowedKeys(q_pos0 + t0 + t, mask);
      a = std::max(a, k_begin);
      b = std::min(b, k_end - 1);
      rows[t] = {a, b};
      if (a <= b) {
        lo = std::min(lo, a);
        hi = std::max(hi, b);
      }
    }
    if (lo > hi) {  // No query of the tile sees any key.
      for (int t = 0; t < tn; ++t) {
        std::memset(out + static_cast<size_t>(t0 + t) * q_stride, 0,
                    sizeof(float) * q_stride);
      }
      continue;
    }
    const int span = hi - lo + 1;
    // With one query row, the group's heads form one [group, d] matrix.
    const bool stack_heads = tn == 1;
    const int m_rows = stack_heads ? group : tn;
    const size_t need = static_cast<size_t>(m_rows) * span;
    if (scratch->size() < need) scratch->resize(need);
    float* scores = scratch->data();

    const int calls = stack_heads ? nkv : nq;
    for (int c = 0; c < calls; ++c) {
      const int g = stack_heads ? c : c / group;
      const float* qa = q + static_cast<size_t>(t0) * q_stride +
                        static_cast<size_t>(stack_heads ? g * group : c) * d;
      const int lda = stack_heads ? d : q_stride;
      // Pass 1: scores, run by run, into columns of one [m_rows, span] row
      // block.
      for (int p = lo; p <= hi;) {
        const KeyRun run = keys.Run(p, hi);
        Sgemm('N', 'T', m_rows, run.len, d, qa, lda, run.k + g * d, kv_stride,
              0.0f, scores + (p - lo), span);
        p += run.len;
      }
      for (int r = 0; r < m_rows; ++r) {
        const int t = stack_heads ? 0 : r;
        float* row = scores + static_cast<size_t>(r) * span;
        const auto [a, b] = rows[t];
        if (a > b) {
          std::fill(row, row + span, 0.0f);
          continue;
        }
        const int n = b - a + 1;
        float* live = row + (a - lo);
        if (score_cap.has_value()) SoftCap(live, n, *score_cap);
        Softmax(live, n);
        std::fill(row, live, 0.0f);
        std::fill(live + n, row + span, 0.0f);
      }
      // Pass 2: out = P·V, accumulated run by run.
      float* oa = out + static_cast<size_t>(t0) * q_stride +
                  static_cast<size_t>(stack_heads ? g * group : c) * d;
      for (int p = lo; p <= hi;) {
        const KeyRun run = keys.Run(p, hi);
        Sgemm('N', 'N', m_rows, d, run.len, scores + (p - lo), span,
              run.v + g * d, kv_stride, p == lo ? 0.0f : 1.0f, oa, lda);
        p += run.len;
      }
    }
  }
}

}  // namespace

std::pair<int, int> AllowedKeys(int pos, const AttentionMask& mask) {
  int lo = mask.window > 0 ? pos - mask.window + 1 : 0;
  if (lo < 0) lo = 0;
  int hi = pos;
  for (const auto& [b, e] : mask.blocks) {
    if (pos >= b && pos < e) {
      lo = std::min(lo, b);
      hi = std::max(hi, e - 1);
    }
  }
  return {lo, hi};
}

void Attention(const float* q, int T, int q_pos0, const float* k,
               const float* v, int S, int k_pos0, const AttentionShape& shape,
               const AttentionMask& mask, std::optional<float> score_cap,
               float* out, std::vector<float>* scratch) {
  const ContiguousKeys keys{k, v, k_pos0, shape.num_kv_heads * shape.head_dim};
  AttendTiles(q, T, q_pos0, keys, k_pos0, k_pos0 + S, shape, mask, score_cap,
              out, scratch);
}

void PagedAttention(const float* q, int T, int q_pos0, const PagedKv& kv,
                    int k_begin, int k_end, const AttentionShape& shape,
                    const AttentionMask& mask, std::optional<float> score_cap,
                    float* out, std::vector<float>* scratch) {
  CHECK_EQ(kv.row_width, shape.num_kv_heads * shape.head_dim);
  CHECK_GT(kv.block_size, 0);
  CHECK_LE(static_cast<int64_t>(k_end),
           static_cast<int64_t>(kv.blocks.size()) * kv.block_size);
  const PagedKeys keys{kv};
  AttendTiles(q, T, q_pos0, keys, k_begin, k_end, shape, mask, score_cap, out,
              scratch);
}

}  // namespace gemma::model::ops
