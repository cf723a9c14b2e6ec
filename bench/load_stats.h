// Timing records of streamed generations and their summary for the load
// benchmarks: tokens/s, steady-state decode tokens/s, and p50/p99 of time to
// first token (TTFT) and inter-token latency (ITL).
//
// Decode throughput counts only tokens produced while every stream of a
// group was decoding (prefill excluded): for a batched run the group is all
// streams of the level (the window runs from the moment the last stream got
// its first token to the moment the first stream got its last; no window if
// one ended before another began, so streams must outlast admission); for a
// one-at-a-time run each stream is its own group (the engine never holds
// two).
// Thread-safety: plain values and pure functions.
#ifndef GEMMA_BENCH_LOAD_STATS_H_
#define GEMMA_BENCH_LOAD_STATS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace gemma::bench {

// One streamed request as the client saw it.
struct StreamTiming {
  absl::Time sent;                      // Just before the call started.
  std::vector<absl::Time> token_times;  // Arrival of each generated token.
};

// One concurrency level of one engine configuration.
struct LoadRun {
  int streams = 0;             // Requests offered at once.
  bool one_at_a_time = false;  // The engine runs one sequence at a time.
  double wall_seconds = 0;     // First send to last token.
  std::vector<StreamTiming> timings;
};

struct LoadSummary {
  int streams = 0;
  int64_t tokens = 0;
  double tokens_per_second = 0;  // All generated tokens over wall time.
  int64_t decode_tokens = 0;
  double decode_seconds = 0;
  double decode_tokens_per_second = 0;  // 0 when no decode window.
  double ttft_p50_ms = 0, ttft_p99_ms = 0;
  double itl_p50_ms = 0, itl_p99_ms = 0;
};

// The q-quantile (0..1) by the nearest-rank method; 0 for no samples.
double Percentile(std::vector<double> values, double q);

LoadSummary Summarize(const LoadRun& run);

// Peak resident set size of this process so far, in MiB.
double PeakRssMiB();

}  // namespace gemma::bench

#endif  // GEMMA_BENCH_LOAD_STATS_H_
