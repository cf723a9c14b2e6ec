#include "bench/list_flags.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace gemma::bench {

std::vector<int> ParsePositiveInts(absl::string_view list) {
  std::vector<int> v;
  for (absl::string_view p : absl::StrSplit(list, ',')) {
    int x;
    if (absl::SimpleAtoi(p, &x) && x > 0) v.push_back(x);
  }
  return v;
}

std::vector<double> ParsePositiveDoubles(absl::string_view list) {
  std::vector<double> v;
  for (absl::string_view p : absl::StrSplit(list, ',')) {
    double x;
    if (absl::SimpleAtod(p, &x) && x > 0) v.push_back(x);
  }
  return v;
}

}  // namespace gemma::bench
