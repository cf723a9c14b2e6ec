#include "base/bfloat16.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace gemma {
namespace {

TEST(Bfloat16Test, ExactValuesRoundTrip) {
  for (float f : {0.0f, 1.0f, -2.5f, 0.15625f, 65536.0f}) {
    EXPECT_EQ(Bf16ToFloat(FloatToBf16(f)), f);
  }
}

TEST(Bfloat16Test, RoundsToNearestEven) {
  // 1 + 2^-8 lies exactly between two bf16 values (1 and 1 + 2^-7): ties go
  // to the even mantissa, i.e. 1.
  EXPECT_EQ(Bf16ToFloat(FloatToBf16(1.0f + std::ldexp(1.0f, -8))), 1.0f);
  // 1 + 3*2^-8 is a tie between 1+2^-7 (odd) and 1+2^-6 (even).
  EXPECT_EQ(Bf16ToFloat(FloatToBf16(1.0f + 3 * std::ldexp(1.0f, -8))),
            1.0f + std::ldexp(1.0f, -6));
  // Just above the tie rounds up.
  EXPECT_EQ(Bf16ToFloat(FloatToBf16(1.0f + std::ldexp(1.0f, -8) +
                                    std::ldexp(1.0f, -20))),
            1.0f + std::ldexp(1.0f, -7));
}

TEST(Bfloat16Test, NanStaysNan) {
  EXPECT_TRUE(std::isnan(
      Bf16ToFloat(FloatToBf16(std::numeric_limits<float>::quiet_NaN()))));
}

}  // namespace
}  // namespace gemma
