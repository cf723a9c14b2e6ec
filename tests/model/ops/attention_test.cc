// Attention (contiguous keys) and PagedAttention (keys read in place from
// blocks of a paged cache, ragged block tables) against a naive reference
// that builds the full mask matrix (causal, sliding window, bidirectional
// blocks, empty rows -> zeros).
#include "model/ops/attention.h"

#include <algorithm>
#include <cmath>
#include <numeric>
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

// Scatters the rows of positions [k_begin, k_end) of a contiguous K (or V)
// starting at position k_pos0 into the blocks of `table` inside a pool of
// `num_blocks` blocks filled with NaN elsewhere (so a stray read shows).
std::vector<float> ScatterToBlocks(const std::vector<float>& rows, int k_pos0,
                                   int k_begin, int k_end, int row,
                                   int block_size, int num_blocks,
                                   const std::vector<int>& table) {
  std::vector<float> pool(static_cast<size_t>(num_blocks) * block_size * row,
                          std::nanf(""));
  for (int p = k_begin; p < k_end; ++p) {
    const int b = table[p / block_size];
    std::copy_n(
        rows.begin() + static_cast<size_t>(p - k_pos0) * row, row,
        pool.begin() +
            (static_cast<size_t>(b) * block_size + p % block_size) * row);
  }
  return pool;
}

struct PagedCase {
  const char* name;
  int T, qp, k_begin, k_end, nq, nkv, d, window, block_size;
  std::vector<std::pair<int, int>> blocks;
  std::optional<float> cap;
};

TEST(AttentionTest, PagedMatchesReferenceWithRaggedBlockTables) {
  const std::vector<PagedCase> cases = {
      {"prefill_causal", 20, 0, 0, 20, 4, 1, 16, 0, 4, {}, {}},
      {"prefill_sliding", 40, 0, 0, 40, 4, 2, 8, 8, 3, {}, {}},
      {"chunk_after_cache", 5, 12, 0, 17, 4, 2, 8, 0, 4, {}, {}},
      // Blocks below the window are released (-1 in the table).
      {"chunk_sliding_released", 7, 21, 14, 28, 2, 1, 8, 8, 4, {}, {}},
      {"decode_long", 1, 300, 0, 301, 8, 2, 16, 0, 16, {}, {}},
      {"decode_sliding_released", 1, 90, 83, 91, 8, 1, 16, 8, 4, {}, {}},
      {"vision_blocks", 30, 0, 0, 30, 4, 2, 8, 4, 5, {{3, 15}, {20, 24}}, {}},
      {"score_cap_block1", 9, 0, 0, 9, 2, 2, 8, 0, 1, {}, 1.5f},
      {"long_tiles", 300, 0, 0, 300, 2, 1, 8, 50, 16, {}, {}},
  };
  std::mt19937 rng(11);
  for (const PagedCase& c : cases) {
    SCOPED_TRACE(c.name);
    const int row = c.nkv * c.d;
    const int S = c.k_end - c.k_begin;
    AttentionShape shape{c.nq, c.nkv, c.d};
    AttentionMask mask{c.window, c.blocks};
    auto q = Random(static_cast<size_t>(c.T) * c.nq * c.d, &rng);
    auto k = Random(static_cast<size_t>(S) * row, &rng);
    auto v = Random(static_cast<size_t>(S) * row, &rng);
    // A ragged table: a random permutation of a larger pool, with some
    // neighbouring entries made consecutive (runs merge), and released
    // blocks (-1) before the first available key.
    const int num_table = (c.k_end + c.block_size - 1) / c.block_size;
    const int num_blocks = 2 * num_table + 3;
    std::vector<int> ids(num_blocks);
    std::iota(ids.begin(), ids.end(), 0);
    std::shuffle(ids.begin(), ids.end(), rng);
    std::vector<int> table(ids.begin(), ids.begin() + num_table);
    for (int i = 1; i < num_table; i += 3) {
      if (table[i - 1] + 1 < num_blocks &&
          std::find(table.begin(), table.end(), table[i - 1] + 1) ==
              table.end()) {
        table[i] = table[i - 1] + 1;
      }
    }
    for (int i = 0; (i + 1) * c.block_size <= c.k_begin; ++i) table[i] = -1;
    auto kp = ScatterToBlocks(k, c.k_begin, c.k_begin, c.k_end, row,
                              c.block_size, num_blocks, table);
    auto vp = ScatterToBlocks(v, c.k_begin, c.k_begin, c.k_end, row,
                              c.block_size, num_blocks, table);
    PagedKv kv{kp.data(), vp.data(), c.block_size, row, table};
    std::vector<float> out(q.size(), 99.0f), flat(q.size(), 77.0f), scratch;
    PagedAttention(q.data(), c.T, c.qp, kv, c.k_begin, c.k_end, shape, mask,
                   c.cap, out.data(), &scratch);
    Attention(q.data(), c.T, c.qp, k.data(), v.data(), S, c.k_begin, shape,
              mask, c.cap, flat.data(), &scratch);
    auto ref = Reference(q, c.T, c.qp, k, v, S, c.k_begin, shape, mask, c.cap);
    for (size_t i = 0; i < out.size(); ++i) {
      // Same float32 products as the contiguous path; only the P·V sum is
      // split at run boundaries, so both sit within float rounding of the
      // float64 reference.
      ASSERT_NEAR(out[i], ref[i], 2e-5) << i;
      ASSERT_NEAR(out[i], flat[i], 1e-5) << i;
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
