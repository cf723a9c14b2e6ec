#include "bench/list_flags.h"

#include <type_traits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace gemma::bench {
namespace {

template <typename T>
std::vector<T> ParsePositive(absl::string_view list) {
  std::vector<T> v;
  for (absl::string_view p : absl::StrSplit(list, ',')) {
    T x;
    bool ok;
    if constexpr (std::is_integral_v<T>) {
      ok = absl::SimpleAtoi(p, &x);
    } else {
      ok = absl::SimpleAtod(p, &x);
    }
    if (ok && x > 0) v.push_back(x);
  }
  return v;
}

}  // namespace

std::vector<int> ParsePositiveInts(absl::string_view list) {
  return ParsePositive<int>(list);
}

std::vector<double> ParsePositiveDoubles(absl::string_view list) {
  return ParsePositive<double>(list);
}

}  // namespace gemma::bench
