// The client side of the gRPC load benchmark: offers `streams` concurrent
// StreamGenerate calls (one client thread each, all released at once) with
// token-id prompts of a fixed length and a fixed number of new tokens (stop
// tokens off, greedy), and records when every token arrived.
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

// Runs one level. Prompts are distinct (seeded by `first_index` + stream),
// so the prefix cache does not help beyond the BOS. Fails, naming the
// stream, when a call fails or returns other than `new_tokens` tokens.
absl::StatusOr<LoadRun> RunLoad(const LoadShape& shape, int streams,
                                int first_index, bool one_at_a_time);

}  // namespace gemma::bench

#endif  // GEMMA_BENCH_GRPC_LOAD_CLIENT_H_
