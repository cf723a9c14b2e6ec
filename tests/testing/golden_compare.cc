#include "tests/testing/golden_compare.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "tests/testing/testdata.h"

namespace gemma::testing {

NpyArray LoadGolden(const std::string& rel) {
  absl::StatusOr<NpyArray> array = ReadNpy(GoldenPath(rel));
  EXPECT_TRUE(array.ok()) << rel << ": " << array.status();
  return array.ok() ? *std::move(array) : NpyArray{};
}

absl::Span<const float> GoldenFloats(const NpyArray& array) {
  if (array.bytes.empty()) return {};
  EXPECT_EQ(array.descr, "<f4") << "golden array is not float32";
  if (array.descr != "<f4") return {};
  return absl::MakeConstSpan(array.f32(), array.size());
}

double MaxAbs(absl::Span<const float> values) {
  double m = 0;
  for (float v : values) m = std::max(m, std::fabs(double{v}));
  return m;
}

double MaxAbsDiff(absl::Span<const float> got, absl::Span<const float> want) {
  if (got.size() != want.size()) {
    return std::numeric_limits<double>::infinity();
  }
  double m = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    m = std::max(m, std::fabs(double{got[i]} - double{want[i]}));
  }
  return m;
}

double MaxAbsDiffToPrefix(absl::Span<const float> got,
                          absl::Span<const float> want) {
  EXPECT_LE(got.size(), want.size()) << "more values than the golden has";
  if (got.size() > want.size()) {
    return std::numeric_limits<double>::infinity();
  }
  return MaxAbsDiff(got, want.first(got.size()));
}

::testing::AssertionResult CloseToGolden(absl::Span<const float> got,
                                         absl::Span<const float> want,
                                         double rel_tol, int64_t row_width) {
  if (got.size() != want.size()) {
    return ::testing::AssertionFailure()
           << "got " << got.size() << " values, the golden has " << want.size();
  }
  double scale = 0, max_diff = 0;
  size_t worst = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    scale = std::max(scale, std::fabs(double{want[i]}));
    const double d = std::fabs(double{got[i]} - double{want[i]});
    if (!(d <= max_diff)) {  // NaN counts as worse than anything.
      max_diff = d;
      worst = i;
    }
  }
  if (max_diff <= rel_tol * scale) {
    return ::testing::AssertionSuccess()
           << "max |diff| " << max_diff << " within " << rel_tol
           << " of the value range " << scale;
  }
  ::testing::AssertionResult failure = ::testing::AssertionFailure();
  failure << "max |diff| " << max_diff << " > " << rel_tol << " x value range "
          << scale << "; worst element " << worst;
  if (row_width > 0) {
    failure << " (row " << static_cast<int64_t>(worst) / row_width << ")";
  }
  return failure << " got " << got[worst] << " want " << want[worst];
}

}  // namespace gemma::testing
