// PackedWeight + MatmulRunner (oneDNN matmul with packed weights) against a
// double-precision scalar reference on fresh random inputs.
#include "model/ops/linear.h"

#include <cmath>
#include <random>
#include <vector>

#include "base/bfloat16.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace gemma::model::ops {
namespace {

using ::gemma::testing::StatusIs;

std::vector<float> Random(size_t n, std::mt19937* rng, float scale = 1.0f) {
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(*rng);
  return v;
}

TensorView View(const std::vector<float>& w, int64_t out, int64_t in) {
  TensorView v;
  v.dtype = DType::kF32;
  v.shape = {out, in};
  v.data = w.data();
  return v;
}

// y = x · Wᵀ in double.
std::vector<double> Reference(const std::vector<float>& x,
                              const std::vector<float>& w, int m, int in,
                              int out) {
  std::vector<double> y(static_cast<size_t>(m) * out);
  for (int i = 0; i < m; ++i) {
    for (int o = 0; o < out; ++o) {
      double s = 0;
      for (int k = 0; k < in; ++k) {
        s += static_cast<double>(x[i * in + k]) * w[o * in + k];
      }
      y[i * out + o] = s;
    }
  }
  return y;
}

struct Env {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  MatmulRunner runner{engine};
};

double Gelu(double v) {
  return 0.5 * v *
         (1 + std::tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
}

class LinearRowsTest : public ::testing::TestWithParam<int> {};

TEST_P(LinearRowsTest, F32MatchesReferenceForEveryRowBucket) {
  const int m = GetParam(), in = 40, out = 72;
  std::mt19937 rng(m);
  auto w = Random(static_cast<size_t>(out) * in, &rng);
  auto x = Random(static_cast<size_t>(m) * in, &rng);
  Env env;
  ASSERT_OK_AND_ASSIGN(
      auto lin,
      PackedWeight::Create(env.engine, {View(w, out, in)}, WeightFormat::kF32,
                           Epilogue::None(), "test"));
  EXPECT_EQ(lin->in_dim(), in);
  EXPECT_EQ(lin->out_dim(), out);
  std::vector<float> y(static_cast<size_t>(m) * out, -7.0f);
  ASSERT_OK(env.runner.Run(*lin, x.data(), m, y.data()));
  auto ref = Reference(x, w, m, in, out);
  // float32 accumulation over 40 products of N(0,1) values: error ~1e-6.
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], ref[i], 1e-4) << i;
  // Second call reuses the cached primitive and must give the same bits.
  std::vector<float> y2(y.size());
  const size_t prims = env.runner.num_primitives();
  ASSERT_OK(env.runner.Run(*lin, x.data(), m, y2.data()));
  EXPECT_EQ(y, y2);
  EXPECT_EQ(env.runner.num_primitives(), prims);
}

INSTANTIATE_TEST_SUITE_P(Rows, LinearRowsTest,
                         ::testing::Values(1, 2, 7, 31, 32, 33, 95, 512, 600,
                                           1100));

TEST(LinearTest, PaddedFallbackMatchesReference) {
  const int in = 24, out = 40;
  std::mt19937 rng(9);
  auto w = Random(out * in, &rng);
  Env env;
  env.runner.ForcePaddedPathForTesting();
  ASSERT_OK_AND_ASSIGN(
      auto plain,
      PackedWeight::Create(env.engine, {View(w, out, in)}, WeightFormat::kF32,
                           Epilogue::None(), "p"));
  ASSERT_OK_AND_ASSIGN(
      auto mul,
      PackedWeight::Create(env.engine, {View(w, out, in)}, WeightFormat::kF32,
                           Epilogue::Multiply(), "m"));
  for (int m : {1, 7, 31, 32, 33, 100}) {
    SCOPED_TRACE(m);
    auto x = Random(static_cast<size_t>(m) * in, &rng);
    auto aux = Random(static_cast<size_t>(m) * out, &rng);
    auto ref = Reference(x, w, m, in, out);
    std::vector<float> y(static_cast<size_t>(m) * out);
    ASSERT_OK(env.runner.Run(*plain, x.data(), m, y.data()));
    for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], ref[i], 1e-4);
    ASSERT_OK(env.runner.Run(*mul, x.data(), m, y.data(), aux.data()));
    for (size_t i = 0; i < y.size(); ++i) {
      ASSERT_NEAR(y[i], ref[i] * aux[i], 1e-4);
    }
  }
}

TEST(LinearTest, FusedPartsStackAlongOutput) {
  const int m = 5, in = 24;
  std::mt19937 rng(1);
  auto a = Random(16 * in, &rng), b = Random(8 * in, &rng);
  auto x = Random(m * in, &rng);
  Env env;
  ASSERT_OK_AND_ASSIGN(
      auto lin,
      PackedWeight::Create(env.engine, {View(a, 16, in), View(b, 8, in)},
                           WeightFormat::kF32, Epilogue::None(), "qkv"));
  std::vector<float> y(m * 24);
  ASSERT_OK(env.runner.Run(*lin, x.data(), m, y.data()));
  auto ra = Reference(x, a, m, in, 16), rb = Reference(x, b, m, in, 8);
  for (int i = 0; i < m; ++i) {
    for (int o = 0; o < 16; ++o)
      EXPECT_NEAR(y[i * 24 + o], ra[i * 16 + o], 1e-4);
    for (int o = 0; o < 8; ++o) {
      EXPECT_NEAR(y[i * 24 + 16 + o], rb[i * 8 + o], 1e-4);
    }
  }
}

TEST(LinearTest, Epilogues) {
  const int m = 37, in = 32, out = 48;
  std::mt19937 rng(2);
  auto w = Random(out * in, &rng, 0.3f);
  auto x = Random(m * in, &rng);
  auto aux = Random(m * out, &rng);
  auto ref = Reference(x, w, m, in, out);
  Env env;
  std::vector<float> y(m * out);

  ASSERT_OK_AND_ASSIGN(
      auto gelu,
      PackedWeight::Create(env.engine, {View(w, out, in)}, WeightFormat::kF32,
                           Epilogue::GeluTanh(), "g"));
  ASSERT_OK(env.runner.Run(*gelu, x.data(), m, y.data()));
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], Gelu(ref[i]), 1e-4);

  ASSERT_OK_AND_ASSIGN(
      auto mul,
      PackedWeight::Create(env.engine, {View(w, out, in)}, WeightFormat::kF32,
                           Epilogue::Multiply(), "u"));
  EXPECT_THAT(env.runner.Run(*mul, x.data(), m, y.data()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK(env.runner.Run(*mul, x.data(), m, y.data(), aux.data()));
  for (size_t i = 0; i < y.size(); ++i)
    ASSERT_NEAR(y[i], ref[i] * aux[i], 1e-4);

  ASSERT_OK_AND_ASSIGN(
      auto cap,
      PackedWeight::Create(env.engine, {View(w, out, in)}, WeightFormat::kF32,
                           Epilogue::SoftCap(2.0f), "c"));
  ASSERT_OK(env.runner.Run(*cap, x.data(), m, y.data()));
  for (size_t i = 0; i < y.size(); ++i) {
    ASSERT_NEAR(y[i], 2.0 * std::tanh(ref[i] / 2.0), 1e-5);
  }
}

TEST(LinearTest, Bf16SourceUpcastExactlyIntoF32) {
  const int m = 3, in = 20, out = 12;
  std::mt19937 rng(3);
  auto wf = Random(out * in, &rng);
  std::vector<uint16_t> wb(wf.size());
  for (size_t i = 0; i < wf.size(); ++i) {
    wb[i] = FloatToBf16(wf[i]);
    wf[i] = Bf16ToFloat(wb[i]);
  }
  auto x = Random(m * in, &rng);
  TensorView v;
  v.dtype = DType::kBF16;
  v.shape = {out, in};
  v.data = wb.data();
  Env env;
  ASSERT_OK_AND_ASSIGN(auto lin,
                       PackedWeight::Create(env.engine, {v}, WeightFormat::kF32,
                                            Epilogue::None(), "b"));
  std::vector<float> y(m * out);
  ASSERT_OK(env.runner.Run(*lin, x.data(), m, y.data()));
  auto ref = Reference(x, wf, m, in, out);
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], ref[i], 1e-4);
}

// The bf16 reference rounds both operands to bf16 first; accumulation in
// double. The kernels accumulate bf16 x bf16 products (exact in float32) in
// float32, so over `in` products of N(0,1) values the error is ~1e-6·√in.
std::vector<double> Bf16Reference(const std::vector<float>& x,
                                  const std::vector<float>& w, int m, int in,
                                  int out) {
  std::vector<float> wr(w.size()), xr(x.size());
  for (size_t i = 0; i < w.size(); ++i) wr[i] = Bf16ToFloat(FloatToBf16(w[i]));
  for (size_t i = 0; i < x.size(); ++i) xr[i] = Bf16ToFloat(FloatToBf16(x[i]));
  return Reference(xr, wr, m, in, out);
}

double ApplyRef(const Epilogue& e, double v, double aux) {
  switch (e.kind) {
    case Epilogue::Kind::kNone:
      return v;
    case Epilogue::Kind::kGeluTanh:
      return Gelu(v);
    case Epilogue::Kind::kMultiply:
      return v * aux;
    case Epilogue::Kind::kSoftCap:
      return e.cap * std::tanh(v / e.cap);
  }
  return v;
}

struct Bf16Case {
  int m, in, out;
  Epilogue epilogue;
};

class LinearBf16Test : public ::testing::TestWithParam<Bf16Case> {};

// Every path of bf16 weights: the streaming kernel at every instruction set
// this CPU has (few rows; tails in both dimensions), and the many-row path
// (oneDNN bf16 on a plain layout, or float32-converted blocks without it).
TEST_P(LinearBf16Test, MatchesReferenceOnEveryPath) {
  const Bf16Case c = GetParam();
  Env env;
  std::mt19937 rng(c.m * 131 + c.in);
  auto w = Random(static_cast<size_t>(c.out) * c.in, &rng);
  auto x = Random(static_cast<size_t>(c.m) * c.in, &rng);
  auto aux = Random(static_cast<size_t>(c.m) * c.out, &rng);
  ASSERT_OK_AND_ASSIGN(
      auto lin, PackedWeight::Create(env.engine, {View(w, c.out, c.in)},
                                     WeightFormat::kBF16, c.epilogue, "bf16"));
  EXPECT_EQ(lin->bytes(), static_cast<size_t>(c.out) * c.in * 2);
  const auto ref = Bf16Reference(x, w, c.m, c.in, c.out);
  const double tol = 1e-5 * std::sqrt(c.in) + 1e-5;
  const bool mul = c.epilogue.kind == Epilogue::Kind::kMultiply;
  auto check = [&](const std::vector<float>& y, const std::string& path) {
    for (size_t i = 0; i < y.size(); ++i) {
      const double want = ApplyRef(c.epilogue, ref[i], aux[i]);
      ASSERT_NEAR(y[i], want, tol * (1 + std::fabs(want))) << path << " " << i;
    }
  };
  std::vector<GemvIsa> isas;
  for (GemvIsa isa : {GemvIsa::kPortable, GemvIsa::kAvx2, GemvIsa::kAvx512,
                      GemvIsa::kAvx512Bf16, GemvIsa::kAmx}) {
    if (isa <= DetectGemvIsa()) isas.push_back(isa);
  }
  for (GemvIsa isa : isas) {
    MatmulRunner runner(env.engine);
    runner.set_gemv_isa(isa);
    runner.set_gemv_max_rows(c.m);  // Streaming kernel.
    std::vector<float> y(static_cast<size_t>(c.m) * c.out, -7.0f);
    ASSERT_OK(
        runner.Run(*lin, x.data(), c.m, y.data(), mul ? aux.data() : nullptr));
    check(y, GemvIsaName(isa));
  }
  MatmulRunner many(env.engine);
  many.set_gemv_max_rows(0);  // Many-row path even for one row.
  std::vector<float> y(static_cast<size_t>(c.m) * c.out, -7.0f);
  ASSERT_OK(
      many.Run(*lin, x.data(), c.m, y.data(), mul ? aux.data() : nullptr));
  check(y, lin->onednn_bf16() ? "onednn" : "f32 blocks");
  // Reusing the converted input gives the same bits.
  std::vector<float> y2(y.size());
  ASSERT_OK(many.RunSameInput(*lin, x.data(), c.m, y2.data(),
                              mul ? aux.data() : nullptr));
  EXPECT_EQ(y, y2);
  if (lin->onednn_bf16()) {  // The zero-padded fallback with bf16 inputs.
    MatmulRunner padded(env.engine);
    padded.set_gemv_max_rows(0);
    padded.ForcePaddedPathForTesting();
    ASSERT_OK(
        padded.Run(*lin, x.data(), c.m, y2.data(), mul ? aux.data() : nullptr));
    check(y2, "padded");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, LinearBf16Test,
    ::testing::Values(Bf16Case{1, 64, 96, Epilogue::None()},
                      Bf16Case{1, 1536, 2050, Epilogue::None()},
                      Bf16Case{2, 37, 7, Epilogue::GeluTanh()},
                      Bf16Case{3, 200, 301, Epilogue::Multiply()},
                      Bf16Case{4, 24, 5, Epilogue::SoftCap(3.0f)},
                      Bf16Case{5, 1040, 516, Epilogue::GeluTanh()},
                      Bf16Case{9, 64, 96, Epilogue::None()},
                      // AMX: one or two tiles of x rows, 16- and 32-row
                      // blocks of W with leftover rows, more rows of x than
                      // one pass takes, and rows split over threads.
                      Bf16Case{16, 256, 80, Epilogue::Multiply()},
                      Bf16Case{17, 96, 130, Epilogue::GeluTanh()},
                      Bf16Case{32, 1536, 520, Epilogue::None()},
                      Bf16Case{45, 64, 64, Epilogue::SoftCap(4.0f)},
                      Bf16Case{40, 100, 600, Epilogue::Multiply()},
                      Bf16Case{600, 48, 260, Epilogue::SoftCap(2.0f)}));

TEST(LinearTest, Bf16FromFloat32AndBf16SourcesAgree) {
  Env env;
  const int m = 3, in = 64, out = 16;
  std::mt19937 rng(4);
  auto w = Random(out * in, &rng), x = Random(m * in, &rng);
  std::vector<uint16_t> wb(w.size());
  for (size_t i = 0; i < w.size(); ++i) wb[i] = FloatToBf16(w[i]);
  TensorView bv;
  bv.dtype = DType::kBF16;
  bv.shape = {out, in};
  bv.data = wb.data();
  ASSERT_OK_AND_ASSIGN(
      auto from_f32,
      PackedWeight::Create(env.engine, {View(w, out, in)}, WeightFormat::kBF16,
                           Epilogue::None(), "a"));
  ASSERT_OK_AND_ASSIGN(
      auto from_bf16,
      PackedWeight::Create(env.engine, {bv}, WeightFormat::kBF16,
                           Epilogue::None(), "b"));
  std::vector<float> y1(m * out), y2(m * out);
  ASSERT_OK(env.runner.Run(*from_f32, x.data(), m, y1.data()));
  ASSERT_OK(env.runner.Run(*from_bf16, x.data(), m, y2.data()));
  EXPECT_EQ(y1, y2);
}

TEST(LinearTest, RejectsBadWeights) {
  Env env;
  std::vector<float> a(6 * 4), b(6 * 5);
  EXPECT_THAT(
      PackedWeight::Create(env.engine, {View(a, 6, 4), View(b, 6, 5)},
                           WeightFormat::kF32, Epilogue::None(), "fused"),
      StatusIs(absl::StatusCode::kInvalidArgument, "fused"));
  TensorView v = View(a, 6, 4);
  v.shape = {24};
  EXPECT_THAT(PackedWeight::Create(env.engine, {v}, WeightFormat::kF32,
                                   Epilogue::None(), "flat"),
              StatusIs(absl::StatusCode::kInvalidArgument, "[out, in]"));
  EXPECT_THAT(PackedWeight::Create(env.engine, {}, WeightFormat::kF32,
                                   Epilogue::None(), "none"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace gemma::model::ops
