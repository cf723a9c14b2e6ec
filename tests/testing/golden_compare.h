// Comparing computed arrays with the golden fixtures (testdata/golden):
// loading a fixture as part of a test, and the checks the golden tests state
// their tolerances in (max |got - want| against max |want|). Test-only.
// Thread-safety: pure functions.
#ifndef GEMMA_TESTS_TESTING_GOLDEN_COMPARE_H_
#define GEMMA_TESTS_TESTING_GOLDEN_COMPARE_H_

#include <cstdint>
#include <string>

#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "tests/testing/npy.h"

namespace gemma::testing {

// ReadNpy(GoldenPath(rel)), e.g.
// LoadGolden("media/image0_kh_pixel_values.npy"). A read error is a (non-fatal)
// test failure naming the file, and gives an empty array.
NpyArray LoadGolden(const std::string& rel);

// The float32 values of an "<f4" array (a test failure, and empty, for
// another dtype).
absl::Span<const float> GoldenFloats(const NpyArray& array);

// max_i |values[i]| (0 when empty).
double MaxAbs(absl::Span<const float> values);

// max_i |got[i] - want[i]|, computed in double; infinity when the sizes
// differ, so a comparison against any bound fails.
double MaxAbsDiff(absl::Span<const float> got, absl::Span<const float> want);

// MaxAbsDiff(got, the first got.size() values of want): for outputs that
// keep only the leading rows of a golden. Infinity, with a test failure, when
// the golden is shorter.
double MaxAbsDiffToPrefix(absl::Span<const float> got,
                          absl::Span<const float> want);

// Passes when the sizes match and max |got - want| <= rel_tol * max |want|.
// The failure names the worst element (and its row, when `row_width` > 0),
// both values and the golden's range. Use as
//   EXPECT_TRUE(CloseToGolden(got, want, 1e-4)) << "what";
::testing::AssertionResult CloseToGolden(absl::Span<const float> got,
                                         absl::Span<const float> want,
                                         double rel_tol, int64_t row_width = 0);

}  // namespace gemma::testing

#endif  // GEMMA_TESTS_TESTING_GOLDEN_COMPARE_H_
