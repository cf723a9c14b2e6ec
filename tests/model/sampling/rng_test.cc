#include "model/sampling/rng.h"

#include <set>

#include "gtest/gtest.h"

namespace gemma::model {
namespace {

TEST(RngTest, SameSeedSameStream) {
  Rng a(42), b(42);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.Next(), b.Next());
}

TEST(RngTest, DifferentSeedsDiffer) {
  Rng a(1), b(2);
  int same = 0;
  for (int i = 0; i < 100; ++i) same += a.Next() == b.Next();
  EXPECT_EQ(same, 0);
}

TEST(RngTest, ZeroSeedIsUsable) {
  Rng r(0);
  std::set<uint64_t> seen;
  for (int i = 0; i < 100; ++i) seen.insert(r.Next());
  EXPECT_EQ(seen.size(), 100u);
}

TEST(RngTest, UniformIsInRangeWithSaneMoments) {
  Rng r(7);
  const int n = 200000;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < n; ++i) {
    double u = r.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sum_sq += u * u;
  }
  // Mean 1/2 and variance 1/12; the standard error of the mean is ~6.5e-4.
  EXPECT_NEAR(sum / n, 0.5, 0.004);
  EXPECT_NEAR(sum_sq / n - (sum / n) * (sum / n), 1.0 / 12, 0.002);
}

}  // namespace
}  // namespace gemma::model
