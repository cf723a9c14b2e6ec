#include "engine/step_cost.h"

#include <cmath>

#include "gtest/gtest.h"

namespace gemma::engine {
namespace {

// A machine whose steps cost D = 0.3 s plus 6 ms per prompt token.
double Seconds(int prefill_tokens) { return 0.3 + 0.006 * prefill_tokens; }

TEST(StepCostModelTest, PredictsNothingUntilTheStepsTellTheTwoCostsApart) {
  StepCostModel m;
  EXPECT_FALSE(m.estimate().has_value());
  EXPECT_EQ(m.PrefillBudget(2.0, 16, 500), 16);  // The floor: no guess.
  m.Observe(512, Seconds(512));
  EXPECT_FALSE(m.estimate().has_value());  // One point: D or P?
  m.Observe(512, Seconds(512));
  EXPECT_FALSE(m.estimate().has_value());  // The same point again.
  m.Observe(16, Seconds(16));
  ASSERT_TRUE(m.estimate().has_value());
  EXPECT_NEAR(m.estimate()->step_seconds, 0.3, 1e-9);
  EXPECT_NEAR(m.estimate()->seconds_per_token, 0.006, 1e-12);
}

TEST(StepCostModelTest, DecodeOnlyStepsAndPrefillsTogetherDetermineIt) {
  StepCostModel m;
  m.Observe(0, Seconds(0));
  m.Observe(100, Seconds(100));
  ASSERT_TRUE(m.estimate().has_value());
  EXPECT_NEAR(m.estimate()->step_seconds, 0.3, 1e-9);
  EXPECT_NEAR(m.estimate()->seconds_per_token, 0.006, 1e-12);
}

TEST(StepCostModelTest, BudgetKeepsThePredictedStepWithinTheStretch) {
  StepCostModel m;
  for (int p : {512, 0, 40, 0, 300}) m.Observe(p, Seconds(p));
  // 0.3 s of room at stretch 2: 50 tokens; 25 at 1.5.
  EXPECT_EQ(m.PrefillBudget(2.0, 16, 500), 50);
  EXPECT_EQ(m.PrefillBudget(1.5, 16, 500), 25);
  EXPECT_EQ(m.PrefillBudget(1.1, 16, 500), 16);     // Never below the floor.
  EXPECT_EQ(m.PrefillBudget(100.0, 16, 500), 500);  // Nor above the cap.
}

TEST(StepCostModelTest, FollowsAMachineThatGetsSlower) {
  StepCostModel m;
  for (int i = 0; i < 20; ++i)
    m.Observe(i % 2 ? 0 : 64, Seconds(i % 2 ? 0 : 64));
  // Now every step costs twice as much.
  for (int i = 0; i < 60; ++i) {
    const int p = i % 2 ? 0 : 64;
    m.Observe(p, 2 * Seconds(p));
  }
  ASSERT_TRUE(m.estimate().has_value());
  EXPECT_NEAR(m.estimate()->step_seconds, 0.6, 0.01);
  EXPECT_NEAR(m.estimate()->seconds_per_token, 0.012, 0.0002);
}

TEST(StepCostModelTest, IgnoresBadSteps) {
  StepCostModel m;
  m.Observe(-1, 1.0);
  m.Observe(0, -1.0);
  m.Observe(10, 0.0);
  m.Observe(10, std::nan(""));
  EXPECT_FALSE(m.estimate().has_value());
  EXPECT_EQ(m.PrefillBudget(2.0, 16, 8), 8);  // The floor, capped.
  // Good steps after them fit exactly: nothing of the bad ones stayed.
  m.Observe(0, Seconds(0));
  m.Observe(100, Seconds(100));
  ASSERT_TRUE(m.estimate().has_value());
  EXPECT_NEAR(m.estimate()->step_seconds, 0.3, 1e-9);
  EXPECT_NEAR(m.estimate()->seconds_per_token, 0.006, 1e-12);
}

}  // namespace
}  // namespace gemma::engine
