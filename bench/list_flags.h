// Parsing of the comma-separated number lists the benchmarks take as flags
// (--threads=1,2, --rows=1,4,16, side-by-side peer figures).
// Thread-safety: pure functions.
#ifndef GEMMA_BENCH_LIST_FLAGS_H_
#define GEMMA_BENCH_LIST_FLAGS_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace gemma::bench {

// The positive integers of "1,2,16"; other items are skipped.
std::vector<int> ParsePositiveInts(absl::string_view list);

// The positive numbers of "21.0,2.19"; other items are skipped.
std::vector<double> ParsePositiveDoubles(absl::string_view list);

}  // namespace gemma::bench

#endif  // GEMMA_BENCH_LIST_FLAGS_H_
