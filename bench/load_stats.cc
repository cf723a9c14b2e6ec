#include "bench/load_stats.h"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>

namespace gemma::bench {
namespace {

// Tokens of `group` that arrived while every stream of it was decoding
// (after the last stream's first token, up to the first stream's last
// token), and the length of that window, added to the totals. No window
// when some stream ended before another began.
void AddDecodeWindow(const std::vector<const StreamTiming*>& group,
                     int64_t* tokens, double* seconds) {
  absl::Time all_started = absl::InfinitePast();
  absl::Time first_done = absl::InfiniteFuture();
  for (const StreamTiming* s : group) {
    if (s->token_times.empty()) continue;
    all_started = std::max(all_started, s->token_times.front());
    first_done = std::min(first_done, s->token_times.back());
  }
  if (!(first_done > all_started)) return;
  for (const StreamTiming* s : group) {
    for (absl::Time t : s->token_times) {
      *tokens += t > all_started && t <= first_done;
    }
  }
  *seconds += absl::ToDoubleSeconds(first_done - all_started);
}

}  // namespace

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(q * static_cast<double>(values.size()));
  const size_t i = static_cast<size_t>(std::max(1.0, rank)) - 1;
  return values[std::min(i, values.size() - 1)];
}

LoadSummary Summarize(const LoadRun& run) {
  LoadSummary out;
  out.streams = run.streams;
  std::vector<double> ttft, itl;
  for (const StreamTiming& s : run.timings) {
    out.tokens += static_cast<int64_t>(s.token_times.size());
    if (s.token_times.empty()) continue;
    ttft.push_back(absl::ToDoubleMilliseconds(s.token_times.front() - s.sent));
    for (size_t i = 1; i < s.token_times.size(); ++i) {
      itl.push_back(
          absl::ToDoubleMilliseconds(s.token_times[i] - s.token_times[i - 1]));
    }
  }
  if (run.wall_seconds > 0)
    out.tokens_per_second = out.tokens / run.wall_seconds;
  if (run.one_at_a_time) {
    for (const StreamTiming& s : run.timings) {
      AddDecodeWindow({&s}, &out.decode_tokens, &out.decode_seconds);
    }
  } else {
    std::vector<const StreamTiming*> all;
    for (const StreamTiming& s : run.timings) all.push_back(&s);
    AddDecodeWindow(all, &out.decode_tokens, &out.decode_seconds);
  }
  if (out.decode_seconds > 0) {
    out.decode_tokens_per_second = out.decode_tokens / out.decode_seconds;
  }
  out.ttft_p50_ms = Percentile(ttft, 0.5);
  out.ttft_p99_ms = Percentile(ttft, 0.99);
  out.itl_p50_ms = Percentile(itl, 0.5);
  out.itl_p99_ms = Percentile(itl, 0.99);
  return out;
}

double PeakRssMiB() {
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return usage.ru_maxrss / 1024.0;  // Linux reports KiB.
}

}  // namespace gemma::bench
