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
           const float* b, int ldb, float* c, int ldc) {
  const dnnl_status_t st =
      dnnl_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
  CHECK(st == dnnl_success) << "dnnl_sgemm failed: " << static_cast<int>(st);
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
  const int nq = shape.num_q_heads, nkv = shape.num_kv_heads;
  const int d = shape.head_dim;
  const int group = nq / nkv;
  const int q_stride = nq * d, kv_stride = nkv * d;
  const int k_end = k_pos0 + S;  // Exclusive.

  for (int t0 = 0; t0 < T; t0 += kQueryTile) {
    const int tn = std::min(kQueryTile, T - t0);
    // Key interval this tile needs, clipped to the available keys.
    int lo = k_end, hi = k_pos0 - 1;
    std::pair<int, int> rows[kQueryTile];
    for (int t = 0; t < tn; ++t) {
      auto [a, b] = AllowedKeys(q_pos0 + t0 + t, mask);
      a = std::max(a, k_pos0);
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
    const float* kb = k + static_cast<size_t>(lo - k_pos0) * kv_stride;
    const float* vb = v + static_cast<size_t>(lo - k_pos0) * kv_stride;
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
      Sgemm('N', 'T', m_rows, span, d, qa, lda, kb + g * d, kv_stride, scores,
            span);
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
      float* oa = out + static_cast<size_t>(t0) * q_stride +
                  static_cast<size_t>(stack_heads ? g * group : c) * d;
      Sgemm('N', 'N', m_rows, d, span, scores, span, vb + g * d, kv_stride, oa,
            lda);
    }
  }
}

}  // namespace gemma::model::ops
