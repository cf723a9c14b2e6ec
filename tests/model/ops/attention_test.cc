// Attention against a naive reference that builds the full mask matrix
// (causal, sliding window, bidirectional blocks, empty rows -> zeros).
#include "model/ops/attention.h"

#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace gemma::model::ops {
namespace {

std::vector<float> Random(size_t n, std::mt19937* rng) {
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(*rng);
  return v;
}

bool Allowed(int i, int j, const AttentionMask& m) {
  bool ok = j <= i && (m.window == 0 || i - j < m.window);
  for (auto [b, e] : m.blocks) ok = ok || (i >= b && i < e && j >= b && j < e);
  return ok;
}

std::vector<double> Reference(const std::vector<float>& q, int T, int qp,
                              const std::vector<float>& k,
                              const std::vector<float>& v, int S, int kp,
                              const AttentionShape& s, const AttentionMask& m,
                              std::optional<float> cap) {
  const int d = s.head_dim, nq = s.num_q_heads, nkv = s.num_kv_heads;
  std::vector<double> out(static_cast<size_t>(T) * nq * d, 0.0);
  for (int t = 0; t < T; ++t) {
    for (int h = 0; h < nq; ++h) {
      const int g = h / (nq / nkv);
      std::vector<double> sc(S);
      double mx = -1e300;
      bool any = false;
      for (int j = 0; j < S; ++j) {
        if (!Allowed(qp + t, kp + j, m)) continue;
        double dot = 0;
        for (int e = 0; e < d; ++e) {
          dot += double{q[(t * nq + h) * d + e]} * k[(j * nkv + g) * d + e];
        }
        if (cap) dot = *cap * std::tanh(dot / *cap);
        sc[j] = dot;
        mx = std::max(mx, dot);
        any = true;
      }
      if (!any) continue;
      double sum = 0;
      for (int j = 0; j < S; ++j) {
        if (Allowed(qp + t, kp + j, m)) sum += sc[j] = std::exp(sc[j] - mx);
      }
      for (int j = 0; j < S; ++j) {
        if (!Allowed(qp + t, kp + j, m)) continue;
        for (int e = 0; e < d; ++e) {
          out[(t * nq + h) * d + e] += sc[j] / sum * v[(j * nkv + g) * d + e];
        }
      }
    }
  }
  return out;
}

struct Case {
  const char* name;
  int T, qp, S, kp, nq, nkv, d, window;
  std::vector<std::pair<int, int>> blocks;
  std::optional<float> cap;
};

TEST(AttentionTest, MatchesMaskedReference) {
  const std::vector<Case> cases = {
      {"prefill_causal_gqa", 20, 0, 20, 0, 4, 1, 16, 0, {}, {}},
      {"prefill_sliding", 40, 0, 40, 0, 4, 2, 8, 8, {}, {}},
      {"chunk_after_cache", 5, 12, 17, 0, 4, 2, 8, 0, {}, {}},
      {"chunk_sliding_partial_keys", 5, 12, 12, 5, 2, 1, 8, 6, {}, {}},
      {"decode_gqa", 1, 30, 31, 0, 8, 2, 16, 0, {}, {}},
      {"decode_sliding", 1, 30, 10, 21, 8, 1, 16, 8, {}, {}},
      {"vision_blocks", 30, 0, 30, 0, 4, 2, 8, 4, {{3, 15}, {20, 24}}, {}},
      {"score_cap", 9, 0, 9, 0, 2, 2, 8, 0, {}, 1.5f},
      {"long_tiles", 300, 0, 300, 0, 2, 1, 8, 50, {}, {}},
      // Keys 10..14 are all in the future of queries 0..4: empty rows.
      {"no_allowed_key", 5, 0, 5, 10, 2, 1, 8, 0, {}, {}},
  };
  std::mt19937 rng(7);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    AttentionShape shape{c.nq, c.nkv, c.d};
    AttentionMask mask{c.window, c.blocks};
    auto q = Random(static_cast<size_t>(c.T) * c.nq * c.d, &rng);
    auto k = Random(static_cast<size_t>(c.S) * c.nkv * c.d, &rng);
    auto v = Random(static_cast<size_t>(c.S) * c.nkv * c.d, &rng);
    std::vector<float> out(q.size(), 99.0f), scratch;
    Attention(q.data(), c.T, c.qp, k.data(), v.data(), c.S, c.kp, shape, mask,
              c.cap, out.data(), &scratch);
    auto ref = Reference(q, c.T, c.qp, k, v, c.S, c.kp, shape, mask, c.cap);
    for (size_t i = 0; i < out.size(); ++i) {
      ASSERT_NEAR(out[i], ref[i], 2e-5) << i;
    }
  }
}

TEST(AttentionTest, AllowedKeysInterval) {
  AttentionMask m{8, {}};
  EXPECT_EQ(AllowedKeys(3, m), std::make_pair(0, 3));
  EXPECT_EQ(AllowedKeys(20, m), std::make_pair(13, 20));
  std::vector<std::pair<int, int>> blocks = {{10, 30}};
  m.blocks = blocks;
  EXPECT_EQ(AllowedKeys(12, m), std::make_pair(5, 29));
  EXPECT_EQ(AllowedKeys(29, m), std::make_pair(10, 29));
  EXPECT_EQ(AllowedKeys(31, m), std::make_pair(24, 31));
}

}  // namespace
}  // namespace gemma::model::ops
