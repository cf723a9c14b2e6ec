#include "model/sampling/sampler.h"

#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/sampling/distribution.h"
#include "tests/testing/status_matchers.h"

namespace gemma::model {
namespace {

using ::gemma::testing::StatusIs;

SamplingConfig Config(SamplerKind kind, float temperature = 1.0f, int k = 5,
                      float p = 0.1f) {
  SamplingConfig c;
  c.kind = kind;
  c.temperature = temperature;
  c.k = k;
  c.p = p;
  return c;
}

// Logits whose softmax is exactly `probs` (up to rounding).
std::vector<float> LogitsOf(const std::vector<double>& probs) {
  std::vector<float> logits;
  for (double p : probs) logits.push_back(static_cast<float>(std::log(p)));
  return logits;
}

std::vector<int> Histogram(TokenSampler& sampler,
                           const std::vector<float>& logits, int draws) {
  std::vector<int> counts(logits.size(), 0);
  for (int i = 0; i < draws; ++i) ++counts[sampler.Sample(logits)];
  return counts;
}

// Pearson's chi-square statistic of `counts` against `expected` probs.
double ChiSquare(const std::vector<int>& counts,
                 const std::vector<double>& expected, int draws) {
  double chi2 = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (expected[i] == 0) {
      EXPECT_EQ(counts[i], 0) << "token " << i << " has probability 0";
      continue;
    }
    double e = expected[i] * draws;
    chi2 += (counts[i] - e) * (counts[i] - e) / e;
  }
  return chi2;
}

// 99.99th percentile of chi-square with 7 degrees of freedom is ~29.9; with a
// fixed seed the statistic is reproducible, and a wrong distribution (e.g.
// off by a temperature or an index) gives values in the hundreds.
constexpr double kChi2Bound7 = 29.9;

const std::vector<double> kProbs = {0.30, 0.20, 0.15, 0.12,
                                    0.10, 0.07, 0.04, 0.02};

TEST(GreedyTest, ArgmaxWithLowestIndexTies) {
  TokenSampler s(Config(SamplerKind::kGreedy), 1);
  EXPECT_EQ(s.Sample({0.5f, 2.0f, -1.0f, 2.0f}), 1);
  EXPECT_EQ(s.Sample({3.0f, 3.0f}), 0);
}

TEST(GreedyTest, TemperatureDoesNotMatter) {
  std::vector<float> logits = {0.1f, 0.9f, 0.3f};
  EXPECT_EQ(
      TokenSampler(Config(SamplerKind::kGreedy, 0.01f), 1).Sample(logits),
      TokenSampler(Config(SamplerKind::kGreedy, 100.0f), 1).Sample(logits));
}

TEST(RandomTest, SameSeedSameTokens) {
  std::vector<float> logits = LogitsOf(kProbs);
  for (SamplerKind kind :
       {SamplerKind::kRandom, SamplerKind::kTopK, SamplerKind::kTopP}) {
    TokenSampler a(Config(kind, 1.0f, 5, 0.9f), 1234);
    TokenSampler b(Config(kind, 1.0f, 5, 0.9f), 1234);
    TokenSampler c(Config(kind, 1.0f, 5, 0.9f), 4321);
    std::vector<int32_t> ta, tb, tc;
    for (int i = 0; i < 200; ++i) {
      ta.push_back(a.Sample(logits));
      tb.push_back(b.Sample(logits));
      tc.push_back(c.Sample(logits));
    }
    EXPECT_EQ(ta, tb) << SamplerKindName(kind);
    EXPECT_NE(ta, tc) << SamplerKindName(kind);
  }
}

TEST(RandomTest, EmpiricalDistributionMatchesSoftmax) {
  TokenSampler s(Config(SamplerKind::kRandom), 99);
  const int draws = 50000;
  auto counts = Histogram(s, LogitsOf(kProbs), draws);
  EXPECT_LT(ChiSquare(counts, kProbs, draws), kChi2Bound7);
}

TEST(RandomTest, TemperatureReshapesTheDistribution) {
  const float t = 2.0f;
  TokenSampler s(Config(SamplerKind::kRandom, t), 5);
  std::vector<float> logits = LogitsOf(kProbs);
  std::vector<float> tempered;
  Softmax(logits, t, &tempered);
  std::vector<double> expected(tempered.begin(), tempered.end());
  const int draws = 50000;
  auto counts = Histogram(s, logits, draws);
  EXPECT_LT(ChiSquare(counts, expected, draws), kChi2Bound7);
  // And it is not the untempered distribution.
  EXPECT_GT(ChiSquare(counts, kProbs, draws), 200);
}

TEST(RandomTest, TinyTemperatureIsGreedy) {
  Rng gen(3);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<float> logits(100);
    for (float& x : logits) x = static_cast<float>(gen.Uniform() * 10 - 5);
    const int32_t greedy = ArgMax(logits);
    for (SamplerKind kind :
         {SamplerKind::kRandom, SamplerKind::kTopK, SamplerKind::kTopP}) {
      TokenSampler s(Config(kind, 1e-6f, 50, 1.0f), trial);
      for (int i = 0; i < 20; ++i) ASSERT_EQ(s.Sample(logits), greedy);
    }
  }
}

TEST(TopKTest, NeverLeavesTheTopK) {
  TokenSampler s(Config(SamplerKind::kTopK, 1.0f, 3), 11);
  std::vector<float> logits = LogitsOf(kProbs);
  const int draws = 30000;
  auto counts = Histogram(s, logits, draws);
  for (size_t i = 3; i < counts.size(); ++i) EXPECT_EQ(counts[i], 0) << i;
  // Renormalised over the top 3: 0.30/0.65, 0.20/0.65, 0.15/0.65.
  std::vector<double> expected = {0.30 / 0.65, 0.20 / 0.65, 0.15 / 0.65, 0,
                                  0,           0,           0,           0};
  EXPECT_LT(ChiSquare(counts, expected, draws), 20.0);  // 2 dof, p ~ 5e-5.
}

TEST(TopKTest, LargeVocabularyStaysInTopK) {
  Rng gen(8);
  std::vector<float> logits(5000);
  for (float& x : logits) x = static_cast<float>(gen.Uniform());
  std::vector<int32_t> top = TopIndices(logits, 10);
  std::set<int32_t> allowed(top.begin(), top.end());
  TokenSampler s(Config(SamplerKind::kTopK, 0.05f, 10), 12);
  std::set<int32_t> seen;
  for (int i = 0; i < 5000; ++i) {
    int32_t t = s.Sample(logits);
    ASSERT_TRUE(allowed.count(t)) << t;
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 10u);  // Every one of them is reachable.
}

std::set<int32_t> Support(TokenSampler& s, const std::vector<float>& logits) {
  std::set<int32_t> seen;
  for (int i = 0; i < 4000; ++i) seen.insert(s.Sample(logits));
  return seen;
}

TEST(TopPTest, KeepsTheSmallestPrefixCrossingP) {
  // Sorted probs 0.5, 0.3, 0.15, 0.05 (deliberately out of id order).
  std::vector<float> logits = LogitsOf({0.15, 0.5, 0.05, 0.3});
  auto support = [&](float p, int k) {
    TokenSampler s(Config(SamplerKind::kTopP, 1.0f, k, p), 21);
    return Support(s, logits);
  };
  using S = std::set<int32_t>;
  EXPECT_EQ(support(0.0f, 0), S({1}));         // p = 0: top token only.
  EXPECT_EQ(support(0.49f, 0), S({1}));        // 0.5 already exceeds p.
  EXPECT_EQ(support(0.6f, 0), S({1, 3}));      // c0 = 0.5 <= 0.6.
  EXPECT_EQ(support(0.85f, 0), S({1, 3, 0}));  // c1 = 0.8 <= 0.85.
  EXPECT_EQ(support(1.0f, 0), S({0, 1, 2, 3}));
  EXPECT_EQ(support(1.0f, 2), S({1, 3}));  // Optional k caps the sort.
}

TEST(TopPTest, NucleusDistributionIsRenormalised) {
  TokenSampler s(Config(SamplerKind::kTopP, 1.0f, 0, 0.6f), 31);
  // Sorted: 0.30 0.20 0.15 ...: c0=.30, c1=.50 <= .6, c2=.65 > .6 -> keep 3.
  const int draws = 30000;
  auto counts = Histogram(s, LogitsOf(kProbs), draws);
  std::vector<double> expected = {0.30 / 0.65, 0.20 / 0.65, 0.15 / 0.65, 0,
                                  0,           0,           0,           0};
  EXPECT_LT(ChiSquare(counts, expected, draws), 20.0);
}

TEST(TopPTest, LongNucleusOverLargeVocabulary) {
  // Uniform over 1000 ids: p = 0.5 keeps 501 ids (c_499 = 0.5 <= p).
  std::vector<float> logits(1000, 0.0f);
  TokenSampler s(Config(SamplerKind::kTopP, 1.0f, 0, 0.5f), 41);
  int32_t max_seen = 0;
  for (int i = 0; i < 20000; ++i)
    max_seen = std::max(max_seen, s.Sample(logits));
  EXPECT_LE(max_seen, 501);
  EXPECT_GE(max_seen, 480);
}

// The bucketed nucleus search against a brute-force sort of the whole row.
TEST(TopPTest, NucleusEqualsBruteForceOnRandomRows) {
  Rng gen(17);
  for (int trial = 0; trial < 6; ++trial) {
    std::vector<float> logits(300);
    for (float& x : logits) x = static_cast<float>(gen.Uniform() * 6);
    const float p = trial % 3 == 0 ? 0.3f : trial % 3 == 1 ? 0.7f : 0.9f;
    const float t = trial < 3 ? 1.0f : 0.5f;
    std::vector<float> probs;
    Softmax(logits, t, &probs);
    std::vector<int32_t> order = TopIndices(probs, 300);
    std::set<int32_t> nucleus;
    double cum = 0;
    for (size_t i = 0; i < order.size(); ++i) {
      if (i > 0 && cum > p) break;
      cum += probs[order[i]];
      nucleus.insert(order[i]);
    }
    TokenSampler s(Config(SamplerKind::kTopP, t, 0, p), trial);
    std::set<int32_t> seen;
    for (int i = 0; i < 20000; ++i) {
      const int32_t tok = s.Sample(logits);
      ASSERT_TRUE(nucleus.count(tok)) << "token " << tok << " outside";
      seen.insert(tok);
    }
    for (int32_t id : nucleus) {
      if (probs[id] / cum > 1.0 / 1500) {
        EXPECT_TRUE(seen.count(id)) << "nucleus id " << id << " never drawn";
      }
    }
  }
}

TEST(ValidateTest, RejectsOutOfRangeParameters) {
  using absl::StatusCode;
  EXPECT_OK(ValidateSamplingConfig(Config(SamplerKind::kGreedy), 10));
  EXPECT_THAT(ValidateSamplingConfig(Config(SamplerKind::kGreedy, 0.0f), 10),
              StatusIs(StatusCode::kInvalidArgument, "temperature"));
  EXPECT_THAT(
      ValidateSamplingConfig(Config(SamplerKind::kRandom, std::nanf("")), 10),
      StatusIs(StatusCode::kInvalidArgument, "temperature"));
  EXPECT_THAT(ValidateSamplingConfig(Config(SamplerKind::kTopK, 1, 0), 10),
              StatusIs(StatusCode::kInvalidArgument, "k must be in [1, 10]"));
  EXPECT_THAT(ValidateSamplingConfig(Config(SamplerKind::kTopK, 1, 11), 10),
              StatusIs(StatusCode::kInvalidArgument, "k must be in [1, 10]"));
  EXPECT_OK(ValidateSamplingConfig(Config(SamplerKind::kTopP, 1, 0, 1.0f), 10));
  EXPECT_THAT(
      ValidateSamplingConfig(Config(SamplerKind::kTopP, 1, 0, 1.5f), 10),
      StatusIs(StatusCode::kInvalidArgument, "p must be in [0, 1]"));
  EXPECT_THAT(
      ValidateSamplingConfig(Config(SamplerKind::kTopP, 1, 0, -0.1f), 10),
      StatusIs(StatusCode::kInvalidArgument, "p must be in [0, 1]"));
  SamplingConfig beam = Config(SamplerKind::kBeam);
  beam.num_beams = 0;
  EXPECT_THAT(ValidateSamplingConfig(beam, 10),
              StatusIs(StatusCode::kInvalidArgument, "num_beams"));
  SamplingConfig con = Config(SamplerKind::kContrastive);
  con.alpha = 1.5f;
  EXPECT_THAT(ValidateSamplingConfig(con, 10),
              StatusIs(StatusCode::kInvalidArgument, "alpha"));
}

}  // namespace
}  // namespace gemma::model

namespace gemma::model {
namespace {

// Real Gemma 4 vocabulary size: every sampler stays far below a model step.
TEST(SamplerSpeedTest, FullVocabularyRowsAreCheap) {
  constexpr int kVocab = 262144;
  Rng gen(1);
  std::vector<float> logits(kVocab);
  for (float& x : logits) x = static_cast<float>(gen.Uniform() * 4);
  for (SamplerKind kind : {SamplerKind::kGreedy, SamplerKind::kRandom,
                           SamplerKind::kTopK, SamplerKind::kTopP}) {
    SamplingConfig c;
    c.kind = kind;
    c.k = kind == SamplerKind::kTopP ? 0 : 64;
    c.p = 0.95f;  // A long nucleus: most of a flat-ish vocabulary.
    TokenSampler s(c, 3);
    const absl::Time start = absl::Now();
    for (int i = 0; i < 10; ++i) {
      const int32_t t = s.Sample(logits);
      ASSERT_GE(t, 0);
      ASSERT_LT(t, kVocab);
    }
    const absl::Duration per_draw = (absl::Now() - start) / 10;
    // Generous: a few ms is typical; this only catches quadratic blowups.
    EXPECT_LT(per_draw, absl::Milliseconds(500)) << SamplerKindName(kind);
    std::printf("%s: %.2f ms per draw\n",
                std::string(SamplerKindName(kind)).c_str(),
                absl::ToDoubleMilliseconds(per_draw));
  }
}

}  // namespace
}  // namespace gemma::model
