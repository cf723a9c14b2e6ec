// Records one RPC in ServerMetrics: in-flight gauge on construction, then
// outcome (gRPC code), model and latency exactly once on Finish().
// Thread-safety: Finish() may be called from any thread; later calls are
// ignored.
#ifndef GEMMA_SERVER_RPC_RECORDER_H_
#define GEMMA_SERVER_RPC_RECORDER_H_

#include <atomic>
#include <string>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/server_metrics.h"

namespace gemma::server {

class RpcRecorder {
 public:
  // `metrics` may be null (nothing is recorded); borrowed.
  RpcRecorder(ServerMetrics* metrics, std::string rpc)
      : metrics_(metrics), rpc_(std::move(rpc)), start_(absl::Now()) {
    if (metrics_ != nullptr) metrics_->RpcStarted(rpc_);
  }
  RpcRecorder(const RpcRecorder&) = delete;
  RpcRecorder& operator=(const RpcRecorder&) = delete;

  // The model label: set only once the model is known to be served.
  void set_model(std::string model) { model_ = std::move(model); }

  void Finish(absl::StatusCode code) {
    if (finished_.exchange(true)) return;
    if (metrics_ != nullptr) {
      metrics_->RpcFinished(rpc_, model_, code, absl::Now() - start_);
    }
  }

 private:
  ServerMetrics* const metrics_;
  const std::string rpc_;
  const absl::Time start_;
  std::string model_;
  std::atomic<bool> finished_{false};
};

}  // namespace gemma::server

#endif  // GEMMA_SERVER_RPC_RECORDER_H_
