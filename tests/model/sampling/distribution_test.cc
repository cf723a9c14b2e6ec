#include "model/sampling/distribution.h"

#include <cmath>
#include <limits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gemma::model {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

TEST(SoftmaxTest, MatchesHandComputedValues) {
  std::vector<float> probs;
  Softmax({0.0f, std::log(3.0f)}, 1.0f, &probs);
  EXPECT_NEAR(probs[0], 0.25f, 1e-6);
  EXPECT_NEAR(probs[1], 0.75f, 1e-6);
  // Temperature 2 halves the log-odds: odds sqrt(3).
  Softmax({0.0f, std::log(3.0f)}, 2.0f, &probs);
  EXPECT_NEAR(probs[1] / probs[0], std::sqrt(3.0f), 1e-5);
}

TEST(SoftmaxTest, LargeLogitsAndTinyTemperatureStayFinite) {
  std::vector<float> probs;
  Softmax({1000.0f, 999.0f, -1000.0f}, 1e-30f, &probs);
  EXPECT_EQ(probs[0], 1.0f);
  EXPECT_EQ(probs[1], 0.0f);
  EXPECT_EQ(probs[2], 0.0f);
}

TEST(SoftmaxTest, NegativeInfinityGetsZero) {
  const float ninf = -std::numeric_limits<float>::infinity();
  std::vector<float> probs;
  Softmax({ninf, 0.0f, 0.0f}, 1.0f, &probs);
  EXPECT_EQ(probs[0], 0.0f);
  EXPECT_NEAR(probs[1], 0.5f, 1e-7);
}

TEST(ArgMaxTest, TiesGoToLowestIndex) {
  EXPECT_EQ(ArgMax({1.0f, 3.0f, 3.0f, 2.0f}), 1);
  EXPECT_EQ(ArgMax({5.0f, 5.0f}), 0);
}

TEST(TopIndicesTest, SortedWithTiesByIndex) {
  EXPECT_THAT(TopIndices({0.1f, 0.5f, 0.2f, 0.5f, 0.0f}, 3),
              ElementsAre(1, 3, 2));
  EXPECT_THAT(TopIndices({0.1f, 0.5f}, 10), ElementsAre(1, 0));
  EXPECT_TRUE(TopIndices({0.1f}, 0).empty());
}

TEST(TopIndicesTest, LargeNAgreesWithSmallNPath) {
  std::vector<float> v(1000);
  for (int i = 0; i < 1000; ++i) v[i] = static_cast<float>((i * 37) % 101);
  std::vector<int32_t> big = TopIndices(v, 200);
  std::vector<int32_t> small = TopIndices(v, 64);
  ASSERT_EQ(big.size(), 200u);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(big[i], small[i]) << i;
  for (int i = 1; i < 200; ++i) {
    ASSERT_TRUE(v[big[i - 1]] > v[big[i]] ||
                (v[big[i - 1]] == v[big[i]] && big[i - 1] < big[i]));
  }
}

TEST(LogprobsTest, MatchesLogSoftmax) {
  // probs 0.1, 0.2, 0.7 as logits.
  std::vector<float> logits = {std::log(0.1f) + 3, std::log(0.2f) + 3,
                               std::log(0.7f) + 3};
  Logprobs lp = ComputeLogprobs(logits, 1, 2);
  EXPECT_EQ(lp.token, 1);
  EXPECT_NEAR(lp.logprob, std::log(0.2f), 1e-5);
  ASSERT_EQ(lp.top.size(), 2u);
  EXPECT_EQ(lp.top[0].first, 2);
  EXPECT_NEAR(lp.top[0].second, std::log(0.7f), 1e-5);
  EXPECT_EQ(lp.top[1].first, 1);
  EXPECT_TRUE(ComputeLogprobs(logits, 0, 0).top.empty());
}

TEST(LogSumExpTest, StableForLargeValues) {
  EXPECT_NEAR(LogSumExp({1000.0f, 1000.0f}), 1000.0 + std::log(2.0), 1e-9);
}

}  // namespace
}  // namespace gemma::model
