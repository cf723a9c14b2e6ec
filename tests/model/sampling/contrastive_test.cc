#include "model/sampling/contrastive.h"

#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/sampling/rng.h"

namespace gemma::model {
namespace {

using ::testing::ElementsAre;

TEST(ContrastiveTest, TopKCandidatesByProbability) {
  std::vector<float> logits = {std::log(0.2f), std::log(0.5f), std::log(0.3f)};
  ContrastiveCandidates c = ContrastiveTopK(logits, 1.0f, 2);
  EXPECT_THAT(c.tokens, ElementsAre(1, 2));
  EXPECT_NEAR(c.probs[0], 0.5f, 1e-6);
  EXPECT_NEAR(c.probs[1], 0.3f, 1e-6);
}

TEST(ContrastiveTest, CosineSimilarity) {
  EXPECT_NEAR(CosineSimilarity({1, 0}, {0, 2}), 0.0f, 1e-7);
  EXPECT_NEAR(CosineSimilarity({1, 1}, {2, 2}), 1.0f, 1e-6);
  EXPECT_NEAR(CosineSimilarity({1, 0}, {-3, 0}), -1.0f, 1e-6);
  EXPECT_EQ(CosineSimilarity({0, 0}, {1, 2}), 0.0f);
}

TEST(ContrastiveTest, ScoresByHand) {
  // Previous states: [1, 0] and [0.6, 0.8].
  std::vector<float> prev = {1, 0, 0.6f, 0.8f};
  // Candidate 0 repeats the first state (max cos 1); candidate 1 is
  // [0, 1]: cos 0 and 0.8 -> max 0.8.
  std::vector<float> probs = {0.6f, 0.4f};
  std::vector<float> cand = {1, 0, 0, 1};
  std::vector<float> s = ContrastiveScores(probs, cand, prev, 2, 0.6f);
  EXPECT_NEAR(s[0], 0.4 * 0.6 - 0.6 * 1.0, 1e-6);  // -0.36
  EXPECT_NEAR(s[1], 0.4 * 0.4 - 0.6 * 0.8, 1e-6);  // -0.32
  EXPECT_EQ(ContrastivePick(s), 1);
  // alpha = 0 is plain greedy over the candidates.
  EXPECT_EQ(ContrastivePick(ContrastiveScores(probs, cand, prev, 2, 0.0f)), 0);
  // alpha = 1 ignores probability: the least similar candidate wins.
  s = ContrastiveScores(probs, cand, prev, 2, 1.0f);
  EXPECT_NEAR(s[0], -1.0, 1e-6);
  EXPECT_NEAR(s[1], -0.8, 1e-6);
}

TEST(ContrastiveTest, TiesGoToTheMoreProbableCandidate) {
  EXPECT_EQ(ContrastivePick({0.1f, 0.1f}), 0);
}

TEST(ContrastiveTest, HandComputedStepWithTemperature) {
  // Logits log(1), log(2), log(5) at T = 0.5: probs (1, 4, 25) / 30.
  std::vector<float> logits = {0.0f, std::log(2.0f), std::log(5.0f)};
  ContrastiveCandidates c = ContrastiveTopK(logits, 0.5f, 2);
  ASSERT_THAT(c.tokens, ElementsAre(2, 1));
  EXPECT_NEAR(c.probs[0], 25.0 / 30, 1e-6);
  EXPECT_NEAR(c.probs[1], 4.0 / 30, 1e-6);
  // History [3, 4] and [0, 1]; candidate 2 is [3, 4] again (cos 1),
  // candidate 1 is [4, -3] (cos 0 with [3, 4], -0.6 with [0, 1]: max 0).
  ContrastiveHistory history(2);
  history.Append({3, 4, 0, 1});
  std::vector<float> cand = {3, 4, 4, -3};
  // alpha 0.5: 0.5 * 25/30 - 0.5 = -0.0833; 0.5 * 4/30 - 0 = 0.0667.
  std::vector<float> s = history.Scores(c.probs, cand, 0.5f);
  EXPECT_NEAR(s[0], 0.5 * 25 / 30 - 0.5, 1e-6);
  EXPECT_NEAR(s[1], 0.5 * 4 / 30, 1e-6);
  EXPECT_EQ(ContrastivePick(s), 1);
  // alpha 0.1: 0.9 * 25/30 - 0.1 = 0.65 beats 0.9 * 4/30 = 0.12.
  EXPECT_EQ(ContrastivePick(history.Scores(c.probs, cand, 0.1f)), 0);
}

TEST(ContrastiveTest, HistoryScoresEqualTheDirectFormulaBitForBit) {
  Rng rng(42);
  const int dim = 37, k = 4;
  ContrastiveHistory history(dim);
  std::vector<float> all;
  for (int step = 0; step < 6; ++step) {
    std::vector<float> rows((step + 1) * dim);
    for (float& x : rows) x = static_cast<float>(rng.Uniform() * 2 - 1);
    if (step == 2) std::fill(rows.begin(), rows.begin() + dim, 0.0f);
    history.Append(rows);
    all.insert(all.end(), rows.begin(), rows.end());
    ASSERT_EQ(history.size(), static_cast<int>(all.size() / dim));
    std::vector<float> probs(k), cand(k * dim);
    for (float& p : probs) p = static_cast<float>(rng.Uniform());
    for (float& x : cand) x = static_cast<float>(rng.Uniform() * 2 - 1);
    const std::vector<float> want =
        ContrastiveScores(probs, cand, all, dim, 0.6f);
    const std::vector<float> got = history.Scores(probs, cand, 0.6f);
    ASSERT_EQ(got.size(), want.size());
    for (int c = 0; c < k; ++c) EXPECT_EQ(got[c], want[c]) << step << " " << c;
  }
  history.Clear();
  EXPECT_EQ(history.size(), 0);
}

}  // namespace
}  // namespace gemma::model
