// gmock matchers for absl::Status / StatusOr (Debian's Abseil has none).
// Test-only.
#ifndef GEMMA_TESTS_TESTING_STATUS_MATCHERS_H_
#define GEMMA_TESTS_TESTING_STATUS_MATCHERS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gemma::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = ::gemma::testing::GetStatus(arg);
  if (!s.ok()) *result_listener << s.ToString();
  return s.ok();
}

MATCHER_P(StatusIs, code, "has status code " + ::testing::PrintToString(code)) {
  const absl::Status& s = ::gemma::testing::GetStatus(arg);
  *result_listener << s.ToString();
  return s.code() == code;
}

MATCHER_P2(StatusIs, code, substr,
           "has status code " + ::testing::PrintToString(code) +
               " and message containing " + ::testing::PrintToString(substr)) {
  const absl::Status& s = ::gemma::testing::GetStatus(arg);
  *result_listener << s.ToString();
  return s.code() == code &&
         std::string(s.message()).find(substr) != std::string::npos;
}

}  // namespace gemma::testing

#define EXPECT_OK(expr) EXPECT_THAT((expr), ::gemma::testing::IsOk())
#define ASSERT_OK(expr) ASSERT_THAT((expr), ::gemma::testing::IsOk())

#define ASSERT_OK_AND_ASSIGN(lhs, expr)                         \
  ASSERT_OK_AND_ASSIGN_IMPL_(                                   \
      GEMMA_STATUS_CONCAT_(gemma_test_statusor_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  ASSERT_OK(statusor.status());                         \
  lhs = std::move(statusor).value()

#include "base/status_macros.h"

#endif  // GEMMA_TESTS_TESTING_STATUS_MATCHERS_H_
