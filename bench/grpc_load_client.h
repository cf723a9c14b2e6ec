// The client side of the gRPC load benchmark: offers `streams`
// StreamGenerate calls with token-id prompts of a fixed length and a fixed
// number of new tokens (stop tokens off, greedy), and records when every
// token arrived. The calls are either concurrent (one client thread each,
// all released at once) or one after another (the next call starts when the
// previous one has finished: a one-at-a-time server emulated by the client).
//
// Thread-safety: RunLoad may be called from any thread; it blocks until
// every call has finished.
#ifndef GEMMA_BENCH_GRPC_LOAD_CLIENT_H_
#define GEMMA_BENCH_GRPC_LOAD_CLIENT_H_

#include <string>

#include "absl/status/statusor.h"
#include "bench/load_stats.h"

namespace gemma::bench {

struct LoadShape {
  std::string target;       // host:port of the server.
  std::string model;        // Model name the server serves.
  int prompt_tokens = 128;  // BOS included.
  int new_tokens = 32;
};

enum class Offer {
  // All calls at once; LoadRun::one_at_a_time tells how the server runs
  // them (true for a server configured to run one sequence at a time).
  kConcurrent,
  kConcurrentToOneAtATimeServer,
  // One call after another; every call counts as sent at the start, so its
  // time to first token includes the wait behind the earlier ones, as it
  // would in a one-at-a-time server's queue.
  kOneAfterAnother,
};

// Runs one level. Prompts are distinct (seeded by `first_index` + stream),
// so the prefix cache does not help beyond the BOS. Fails, naming the
// stream, when a call fails or returns other than `new_tokens` tokens.
absl::StatusOr<LoadRun> RunLoad(const LoadShape& shape, int streams,
                                int first_index, Offer offer);

}  // namespace gemma::bench

#endif  // GEMMA_BENCH_GRPC_LOAD_CLIENT_H_
