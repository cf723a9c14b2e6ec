#include "model/sampling/beam_search.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace gemma::model {
namespace {

std::vector<float> LogRow(std::initializer_list<double> probs) {
  std::vector<float> r;
  for (double p : probs) r.push_back(static_cast<float>(std::log(p)));
  return r;
}

TEST(BeamSearchTest, InitialScores) {
  std::vector<float> lp = InitialBeamLogprobs(3);
  ASSERT_EQ(lp.size(), 3u);
  EXPECT_EQ(lp[0], 0.0f);
  EXPECT_EQ(lp[1], -1e9f);
  EXPECT_EQ(lp[2], -1e9f);
}

TEST(BeamSearchTest, TwoStepsByHand) {
  const int V = 3;
  // Step 1: both beams are copies of the prompt; only beam 0 counts.
  std::vector<float> logits = LogRow({0.5, 0.3, 0.2});
  std::vector<float> same = logits;
  logits.insert(logits.end(), same.begin(), same.end());
  std::vector<BeamChoice> c1 =
      BeamSearchStep(InitialBeamLogprobs(2), logits, V, 1.0f);
  ASSERT_EQ(c1.size(), 2u);
  EXPECT_EQ(c1[0].parent, 0);
  EXPECT_EQ(c1[0].token, 0);
  EXPECT_NEAR(c1[0].logprob, std::log(0.5), 1e-5);
  EXPECT_EQ(c1[1].parent, 0);
  EXPECT_EQ(c1[1].token, 1);
  EXPECT_NEAR(c1[1].logprob, std::log(0.3), 1e-5);

  // Step 2: beam 0 (p=.5) -> [.1 .1 .8], beam 1 (p=.3) -> [.9 .05 .05].
  // Joint: .05 .05 .40 | .27 .015 .015 -> best (0,2)=.40, then (1,0)=.27.
  std::vector<float> beam_lp = {c1[0].logprob, c1[1].logprob};
  std::vector<float> rows = LogRow({0.1, 0.1, 0.8});
  std::vector<float> row1 = LogRow({0.9, 0.05, 0.05});
  rows.insert(rows.end(), row1.begin(), row1.end());
  std::vector<BeamChoice> c2 = BeamSearchStep(beam_lp, rows, V, 1.0f);
  EXPECT_EQ(c2[0].parent, 0);
  EXPECT_EQ(c2[0].token, 2);
  EXPECT_NEAR(c2[0].logprob, std::log(0.40), 1e-5);
  EXPECT_EQ(c2[1].parent, 1);
  EXPECT_EQ(c2[1].token, 0);
  EXPECT_NEAR(c2[1].logprob, std::log(0.27), 1e-5);
  EXPECT_EQ(BestBeam({c2[1].logprob, c2[0].logprob}), 1);
}

TEST(BeamSearchTest, TemperatureScalesLogProbs) {
  // Two tokens, log-odds log(3); at T=2 the probs are 1/(1+sqrt3) etc.
  std::vector<float> logits = {0.0f, static_cast<float>(std::log(3.0))};
  std::vector<BeamChoice> c = BeamSearchStep({0.0f}, logits, 2, 2.0f);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].token, 1);
  const double s3 = std::sqrt(3.0);
  EXPECT_NEAR(c[0].logprob, std::log(s3 / (1 + s3)), 1e-5);
}

TEST(BeamSearchTest, ForcedTokenKeepsTheCandidateScore) {
  std::vector<float> logits = LogRow({0.6, 0.4});
  std::vector<BeamChoice> c = BeamSearchStep({0.0f}, logits, 2, 1.0f, 1);
  EXPECT_EQ(c[0].token, 1);                        // The prompt token...
  EXPECT_NEAR(c[0].logprob, std::log(0.6), 1e-5);  // ...the best score.
}

TEST(BeamSearchTest, TiesPreferLowerBeamThenToken) {
  std::vector<float> rows = {0.0f, 0.0f, 0.0f, 0.0f};
  std::vector<BeamChoice> c = BeamSearchStep({0.0f, 0.0f}, rows, 2, 1.0f);
  EXPECT_EQ(c[0].parent, 0);
  EXPECT_EQ(c[0].token, 0);
  EXPECT_EQ(c[1].parent, 0);
  EXPECT_EQ(c[1].token, 1);
}

}  // namespace
}  // namespace gemma::model
