// Command-line flags of gemma4-server, parsed into a plain struct (no
// global flag registry, so tests can parse argv freely).
//
//   gemma4-server --model NAME=DIR [--model NAME=DIR ...] [--port 50051]
//       [--metrics-port 9090] [--host 0.0.0.0] [--grace-period 30]
//       [--max-message-size 67108864] [--threads 0] [--instances 1]
//       [--kv-cache-tokens 16384] [--max-queued-requests 256]
//       [--keepalive-time 60] [--keepalive-timeout 20]
//
// Both "--flag value" and "--flag=value" are accepted.
// Thread-safety: pure functions.
#ifndef GEMMA_SERVER_SERVER_FLAGS_H_
#define GEMMA_SERVER_SERVER_FLAGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/media_limits.h"
#include "engine/scheduler.h"

namespace gemma::server {

struct ModelFlag {
  std::string name;
  std::string dir;
};

struct ServerFlags {
  std::vector<ModelFlag> models;
  std::string host = "0.0.0.0";
  int port = 50051;
  int metrics_port = 9090;  // 0: no metrics endpoint.
  absl::Duration grace_period = absl::Seconds(30);
  int64_t max_message_bytes = int64_t{64} << 20;
  int threads = 0;    // Cores for all models; 0: all of the machine's.
  int instances = 1;  // Engine instances per model.
  int64_t kv_cache_tokens = 16384;  // KV pool per instance, in positions.
  int max_queued_requests = 256;    // Per instance; beyond: RESOURCE_EXHAUSTED.
  // Scheduling, with the engine's defaults: tokens per engine step (decode
  // + prefill), sequences decoding at once per instance, and the bound on
  // how much prefill chunks stretch a decode step (0: none).
  int max_batch_tokens = engine::SchedulerOptions{}.max_batch_tokens;
  int max_running = engine::SchedulerOptions{}.max_running;
  double max_itl_stretch = engine::SchedulerOptions{}.max_itl_stretch;
  absl::Duration keepalive_time = absl::Seconds(60);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  // Encoder-output cache per model, in bytes (0: off).
  int64_t encoder_cache_bytes = int64_t{256} << 20;
  engine::MediaLimits media_limits;  // --max-media-parts and friends.
  bool help = false;
};

// INVALID_ARGUMENT naming the flag for anything malformed; at least one
// --model is required unless --help is given.
absl::StatusOr<ServerFlags> ParseServerFlags(int argc, const char* const* argv);

// The usage text printed by --help and on errors.
std::string ServerUsage();

}  // namespace gemma::server

#endif  // GEMMA_SERVER_SERVER_FLAGS_H_
