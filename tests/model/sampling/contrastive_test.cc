#include "model/sampling/contrastive.h"

#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

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

}  // namespace
}  // namespace gemma::model
