// RMSNorm, activations, RoPE and MoE routing against scalar double
// references on fresh random inputs.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "base/bfloat16.h"
#include "gtest/gtest.h"
#include "model/ops/activations.h"
#include "model/ops/bf16_convert.h"
#include "model/ops/moe_routing.h"
#include "model/ops/rms_norm.h"
#include "model/ops/rope.h"

namespace gemma::model::ops {
namespace {

std::vector<float> Random(size_t n, std::mt19937* rng, float scale = 1.0f) {
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(*rng);
  return v;
}

TEST(Bf16ConvertTest, BitIdenticalToScalarRounding) {
  std::mt19937 rng(11);
  std::vector<uint32_t> bits = {0x00000000u, 0x80000000u, 0x7f800000u,
                                0xff800000u, 0x7fc00000u, 0x7f800001u,
                                0xffbfffffu, 0x3f808000u, 0x3f818000u,
                                0x7f7fffffu, 0x00000001u, 0x3f7fffffu};
  for (int i = 0; i < 300000; ++i) bits.push_back(rng());  // Parallel path.
  std::vector<float> x(bits.size());
  std::memcpy(x.data(), bits.data(), bits.size() * sizeof(float));
  std::vector<uint16_t> y(x.size());
  RoundToBf16(x.data(), y.data(), x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    ASSERT_EQ(y[i], FloatToBf16(x[i])) << std::hex << bits[i];
  }
}

TEST(RmsNormTest, WithAndWithoutScale) {
  std::mt19937 rng(1);
  const int rows = 5, dim = 33;
  auto x = Random(rows * dim, &rng, 3.0f);
  auto w = Random(dim, &rng);
  std::vector<float> y(x.size()), z(x.size());
  RmsNorm(x.data(), rows, dim, w.data(), 1e-6f, y.data());
  RmsNorm(x.data(), rows, dim, nullptr, 1e-6f, z.data());
  for (int r = 0; r < rows; ++r) {
    double ms = 0;
    for (int i = 0; i < dim; ++i) ms += double{x[r * dim + i]} * x[r * dim + i];
    ms /= dim;
    const double inv = 1.0 / std::sqrt(ms + 1e-6);
    for (int i = 0; i < dim; ++i) {
      const double n = x[r * dim + i] * inv;
      EXPECT_NEAR(y[r * dim + i], n * w[i], 1e-5 * (1 + std::fabs(n * w[i])));
      EXPECT_NEAR(z[r * dim + i], n, 1e-5 * (1 + std::fabs(n)));
    }
  }
  // In place gives the same result.
  RmsNorm(x.data(), rows, dim, w.data(), 1e-6f, x.data());
  EXPECT_EQ(x, y);
}

// Calls big enough to split their rows over threads give every row the
// bits a one-row call gives it (and stay near the double reference).
TEST(RmsNormTest, SplitCallsEqualRowByRowCalls) {
  std::mt19937 rng(2);
  const int rows = 97, dim = 1536;  // 149k elements: the parallel path.
  auto x = Random(static_cast<size_t>(rows) * dim, &rng, 2.0f);
  auto w = Random(dim, &rng);
  std::vector<float> y(x.size()), one(dim);
  RmsNorm(x.data(), rows, dim, w.data(), 1e-6f, y.data());
  for (int r = 0; r < rows; ++r) {
    const float* xr = x.data() + static_cast<size_t>(r) * dim;
    RmsNorm(xr, 1, dim, w.data(), 1e-6f, one.data());
    ASSERT_TRUE(std::equal(one.begin(), one.end(),
                           y.begin() + static_cast<size_t>(r) * dim))
        << "row " << r;
    double ms = 0;
    for (int i = 0; i < dim; ++i) ms += double{xr[i]} * xr[i];
    const double inv = 1.0 / std::sqrt(ms / dim + 1e-6);
    for (int i = 0; i < dim; i += 97) {
      const double want = xr[i] * inv * w[i];
      ASSERT_NEAR(one[i], want, 1e-5 * (1 + std::fabs(want)));
    }
  }
}

TEST(RmsNormTest, EpsilonInsideTheRoot) {
  std::vector<float> x(4, 0.0f), y(4, 1.0f);
  RmsNorm(x.data(), 1, 4, nullptr, 1e-6f, y.data());
  for (float v : y) EXPECT_EQ(v, 0.0f);  // No division by zero.
}

// The vectorised tanh under GELU and the soft cap: within 3 ulp (relative
// 3·2⁻²⁴ ≈ 1.8e-7) of the exact value everywhere, including both sides of
// its series/exponential switch at |x| = 0.55, and exact at the edges.
TEST(ActivationsTest, TanhWithinThreeUlp) {
  std::vector<float> x;
  for (int i = -300000; i <= 300000; ++i) x.push_back(i * 1e-4f);
  for (float v :
       {0.5499999f, 0.55f, 0.5500001f, 1e-30f, -1e-38f, 88.0f, -1e30f}) {
    x.push_back(v);
  }
  auto t = x;
  TanhInPlace(t.data(), t.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double ref = std::tanh(static_cast<double>(x[i]));
    ASSERT_NEAR(t[i], ref, 1.8e-7 * std::fabs(ref) + 1e-45) << x[i];
  }
  std::vector<float> edges = {0.0f, -0.0f, INFINITY, -INFINITY, NAN};
  TanhInPlace(edges.data(), edges.size());
  EXPECT_EQ(edges[0], 0.0f);
  EXPECT_TRUE(std::signbit(edges[1]));
  EXPECT_EQ(edges[2], 1.0f);
  EXPECT_EQ(edges[3], -1.0f);
  EXPECT_TRUE(std::isnan(edges[4]));
}

TEST(ActivationsTest, GeluSoftCapSoftmax) {
  std::mt19937 rng(2);
  auto x = Random(1000, &rng, 4.0f);
  auto g = x, c = x;
  GeluTanh(g.data(), g.size());
  SoftCap(c.data(), c.size(), 3.0f);
  for (size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    const double ref =
        0.5 * v *
        (1 + std::tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
    EXPECT_NEAR(g[i], ref, 1e-5 * (1 + std::fabs(ref)));
    EXPECT_NEAR(c[i], 3.0 * std::tanh(v / 3.0), 1e-6 * 3);
  }
  auto s = Random(77, &rng, 10.0f);
  auto ref = s;
  Softmax(s.data(), s.size());
  double mx = *std::max_element(ref.begin(), ref.end()), sum = 0;
  for (float v : ref) sum += std::exp(v - mx);
  for (size_t i = 0; i < s.size(); ++i) {
    EXPECT_NEAR(s[i], std::exp(ref[i] - mx) / sum, 1e-6);
  }
}

// The vectorised softmax against a double reference over the ranges
// attention scores take (including -inf and values far below the maximum,
// whose terms round to 0), at lengths that exercise the vector tails.
TEST(ActivationsTest, SoftmaxMatchesDoubleReference) {
  std::mt19937 rng(5);
  for (int n : {1, 2, 15, 16, 17, 63, 512, 1000}) {
    for (float scale : {0.1f, 3.0f, 30.0f, 300.0f}) {
      auto s = Random(n, &rng, scale);
      if (n > 3) s[n / 2] = -std::numeric_limits<float>::infinity();
      const auto ref = s;
      Softmax(s.data(), n);
      const double mx = *std::max_element(ref.begin(), ref.end());
      double sum = 0;
      for (float v : ref) sum += std::exp(double{v} - mx);
      double total = 0;
      for (int i = 0; i < n; ++i) {
        const double d = double{ref[i]} - mx;
        if (std::isinf(d)) {
          ASSERT_EQ(s[i], 0.0f);
          continue;
        }
        const double want = std::exp(d) / sum;
        // 4 ulp, plus what rounding x - max to float costs (|d|·2^-24
        // relative, as in any float softmax), or 1e-37 where it is ~0.
        const double tol = (4 + std::fabs(d)) * 6e-8 * want + 1e-37;
        ASSERT_NEAR(s[i], want, tol)
            << "n " << n << " scale " << scale << " i " << i;
        total += s[i];
      }
      EXPECT_NEAR(total, 1.0, 1e-6);
    }
  }
}

// keras-hub's formulation of partial RoPE: gather the rotated halves, rotate
// that r-vector with pairs (i, i + r/2) and frequency denominator D, scatter.
std::vector<double> RopeReference(const std::vector<float>& x, int D, int r,
                                  float base, int pos) {
  std::vector<double> out(x.begin(), x.end());
  const int half = r / 2;
  for (int i = 0; i < half; ++i) {
    const float w = std::pow(base, -(static_cast<float>(2 * i) / D));
    const double th = static_cast<float>(static_cast<float>(pos) * w);
    const double a = x[i], b = x[D / 2 + i];
    out[i] = a * std::cos(th) - b * std::sin(th);
    out[D / 2 + i] = b * std::cos(th) + a * std::sin(th);
  }
  return out;
}

TEST(RopeTest, FullAndProportional) {
  std::mt19937 rng(3);
  for (auto [D, r, base] : {std::tuple<int, int, float>{16, 16, 1e4f},
                            {32, 8, 1e6f},
                            {512, 128, 1e6f},
                            {256, 256, 1e4f}}) {
    const int heads = 3;
    std::vector<int> pos = {0, 1, 7, 300, 4097};
    RopeTable table;
    table.Compute({D, r, base, 1.0f}, pos.data(), pos.size());
    for (size_t t = 0; t < pos.size(); ++t) {
      auto x = Random(heads * D, &rng);
      auto y = x;
      table.Apply(y.data(), t, heads);
      for (int h = 0; h < heads; ++h) {
        std::vector<float> head(x.begin() + h * D, x.begin() + (h + 1) * D);
        auto ref = RopeReference(head, D, r, base, pos[t]);
        for (int i = 0; i < D; ++i) {
          ASSERT_NEAR(y[h * D + i], ref[i], 2e-6) << D << " " << pos[t];
        }
        // Dimensions outside the rotated pairs pass through bit-exactly.
        for (int i = r / 2; i < D / 2; ++i) {
          ASSERT_EQ(y[h * D + i], head[i]);
          ASSERT_EQ(y[h * D + D / 2 + i], head[D / 2 + i]);
        }
      }
    }
  }
}

TEST(RopeTest, ScalingDividesFrequencies) {
  auto w1 = RopeInverseFrequencies({16, 16, 1e4f, 1.0f});
  auto w8 = RopeInverseFrequencies({16, 16, 1e4f, 8.0f});
  ASSERT_EQ(w1.size(), 8u);
  EXPECT_EQ(w1[0], 1.0f);
  for (int i = 0; i < 8; ++i) EXPECT_FLOAT_EQ(w8[i], w1[i] / 8.0f);
}

TEST(MoeRoutingTest, SoftmaxTopKRenormaliseScale) {
  std::mt19937 rng(4);
  const int rows = 20, E = 16, k = 4;
  auto logits = Random(rows * E, &rng, 2.0f);
  auto scale = Random(E, &rng);
  auto ref_logits = logits;
  std::vector<int> ids(rows * k);
  std::vector<float> w(rows * k);
  RouteExperts(logits.data(), rows, E, k, scale.data(), ids.data(), w.data());
  for (int r = 0; r < rows; ++r) {
    std::vector<double> p(E);
    double mx = -1e30, sum = 0;
    for (int e = 0; e < E; ++e)
      mx = std::max<double>(mx, ref_logits[r * E + e]);
    for (int e = 0; e < E; ++e)
      sum += p[e] = std::exp(ref_logits[r * E + e] - mx);
    for (double& v : p) v /= sum;
    std::vector<int> order(E);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return p[a] > p[b]; });
    double top = 0;
    for (int j = 0; j < k; ++j) top += p[order[j]];
    for (int j = 0; j < k; ++j) {
      EXPECT_EQ(ids[r * k + j], order[j]);
      EXPECT_NEAR(w[r * k + j], p[order[j]] / top * scale[order[j]], 1e-5);
    }
  }
}

TEST(MoeRoutingTest, TiesGoToTheLowerIndex) {
  std::vector<float> logits = {1.0f, 3.0f, 3.0f, 0.0f, 3.0f};
  std::vector<int> ids(2);
  std::vector<float> w(2);
  RouteExperts(logits.data(), 1, 5, 2, nullptr, ids.data(), w.data());
  EXPECT_EQ(ids[0], 1);
  EXPECT_EQ(ids[1], 2);
  EXPECT_FLOAT_EQ(w[0], 0.5f);
  EXPECT_FLOAT_EQ(w[1], 0.5f);
}

}  // namespace
}  // namespace gemma::model::ops
