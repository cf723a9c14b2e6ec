// Tests of the load benchmark's summary: percentiles, TTFT/ITL, and the
// steady-state decode window of batched and one-at-a-time runs.
#include "bench/load_stats.h"

#include "gtest/gtest.h"

namespace gemma::bench {
namespace {

absl::Time Ms(double ms) { return absl::UnixEpoch() + absl::Milliseconds(ms); }

StreamTiming Stream(double sent_ms, std::vector<double> token_ms) {
  StreamTiming s;
  s.sent = Ms(sent_ms);
  for (double t : token_ms) s.token_times.push_back(Ms(t));
  return s;
}

TEST(PercentileTest, NearestRank) {
  EXPECT_EQ(Percentile({}, 0.5), 0);
  EXPECT_EQ(Percentile({7}, 0.99), 7);
  EXPECT_EQ(Percentile({4, 1, 3, 2}, 0.5), 2);
  EXPECT_EQ(Percentile({4, 1, 3, 2}, 0.99), 4);
  std::vector<double> hundred;
  for (int i = 1; i <= 100; ++i) hundred.push_back(i);
  EXPECT_EQ(Percentile(hundred, 0.99), 99);
  EXPECT_EQ(Percentile(hundred, 0.5), 50);
}

TEST(SummarizeTest, BatchedWindowStartsWhenEveryStreamDecodes) {
  LoadRun run;
  run.streams = 2;
  run.wall_seconds = 1.0;
  // Stream 0 starts decoding at 100 ms, stream 1 gets its first token at
  // 300 ms; from then on both emit a token every 100 ms until 600 ms.
  run.timings.push_back(Stream(0, {100, 200, 300, 400, 500, 600}));
  run.timings.push_back(Stream(0, {300, 400, 500, 600}));
  const LoadSummary s = Summarize(run);
  EXPECT_EQ(s.tokens, 10);
  EXPECT_DOUBLE_EQ(s.tokens_per_second, 10.0);
  // Window (300, 600]: 3 tokens each.
  EXPECT_EQ(s.decode_tokens, 6);
  EXPECT_DOUBLE_EQ(s.decode_seconds, 0.3);
  EXPECT_DOUBLE_EQ(s.decode_tokens_per_second, 20.0);
  EXPECT_DOUBLE_EQ(s.ttft_p50_ms, 100);
  EXPECT_DOUBLE_EQ(s.ttft_p99_ms, 300);
  EXPECT_DOUBLE_EQ(s.itl_p50_ms, 100);
  EXPECT_DOUBLE_EQ(s.itl_p99_ms, 100);
}

TEST(SummarizeTest, OneAtATimeStreamsAreTheirOwnWindows) {
  LoadRun run;
  run.streams = 2;
  run.one_at_a_time = true;
  run.wall_seconds = 0.8;
  // Stream 1 waits for stream 0; each decodes 3 tokens in 300 ms.
  run.timings.push_back(Stream(0, {100, 200, 300, 400}));
  run.timings.push_back(Stream(0, {500, 600, 700, 800}));
  const LoadSummary s = Summarize(run);
  EXPECT_EQ(s.decode_tokens, 6);
  EXPECT_DOUBLE_EQ(s.decode_seconds, 0.6);
  EXPECT_DOUBLE_EQ(s.decode_tokens_per_second, 10.0);
  EXPECT_DOUBLE_EQ(s.ttft_p99_ms, 500);
  // Taken as one batched group there is no window: stream 0 ended before
  // stream 1 began.
  run.one_at_a_time = false;
  EXPECT_EQ(Summarize(run).decode_tokens, 0);
}

TEST(SummarizeTest, BatchedWindowEndsWhenTheFirstStreamEnds) {
  LoadRun run;
  run.streams = 2;
  run.wall_seconds = 0.9;
  // Both decode together from 300 ms to 600 ms; stream 1 goes on alone.
  run.timings.push_back(Stream(0, {100, 200, 300, 400, 500, 600}));
  run.timings.push_back(Stream(0, {300, 400, 500, 600, 700, 800, 900}));
  const LoadSummary s = Summarize(run);
  EXPECT_EQ(s.decode_tokens, 6);  // (300, 600]: 3 tokens each.
  EXPECT_DOUBLE_EQ(s.decode_seconds, 0.3);
  EXPECT_DOUBLE_EQ(s.decode_tokens_per_second, 20.0);
}

TEST(SummarizeTest, NoDecodeWindowGivesZeroRate) {
  LoadRun run;
  run.streams = 1;
  run.wall_seconds = 0.1;
  run.timings.push_back(Stream(0, {100}));
  const LoadSummary s = Summarize(run);
  EXPECT_EQ(s.tokens, 1);
  EXPECT_EQ(s.decode_tokens_per_second, 0);
  EXPECT_EQ(s.itl_p99_ms, 0);
}

TEST(PeakRssTest, IsPositive) { EXPECT_GT(PeakRssMiB(), 0); }

}  // namespace
}  // namespace gemma::bench
