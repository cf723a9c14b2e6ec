// A gemma4-server assembled in process for benchmarks, the way server_main
// does it: the engine's model pool, GemmaService with its Prometheus
// metrics, and the real gRPC server (health, reflection) on a local port.
// Clients reach it only over gRPC, at target().
//
// Thread-safety: construct and destroy from one thread; target() and
// Stats() may be called from any thread.
#ifndef GEMMA_BENCH_BENCH_SERVER_H_
#define GEMMA_BENCH_BENCH_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/model_pool.h"
#include "grpcpp/grpcpp.h"
#include "prometheus/registry.h"
#include "server/gemma_service.h"
#include "server/server_metrics.h"

namespace gemma::bench {

class BenchServer {
 public:
  // Loads `spec` into a pool using `threads` cores and starts serving it on
  // `host` (a free port is picked).
  static absl::StatusOr<std::unique_ptr<BenchServer>> Start(
      const engine::ModelSpec& spec, int threads, const std::string& host);
  // Shuts the gRPC server down, then frees the engine.
  ~BenchServer();

  const std::string& target() const { return target_; }
  std::vector<engine::EngineStats> Stats() const { return pool_->Stats(); }

 private:
  BenchServer() = default;

  std::unique_ptr<engine::ModelPool> pool_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<server::ServerMetrics> metrics_;
  std::unique_ptr<server::GemmaService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string target_;
};

}  // namespace gemma::bench

#endif  // GEMMA_BENCH_BENCH_SERVER_H_
