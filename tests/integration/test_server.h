// The fixture the integration tests share: a gemma4-server built as
// server/server_main.cc builds one (a model pool, a Prometheus registry with
// the server metrics, GemmaService and the real gRPC server on 127.0.0.1,
// port 0, health SERVING), and the client helpers they use against it
// (channels and stubs, and a StreamGenerate collector). Test-only.
//
// Thread-safety: Start, Stop and destruction on the test's thread; the
// accessors, NewChannel and NewStub from any thread while the TestServer
// lives. CollectStream may run on several threads at once (each call has
// its own ClientContext; gRPC stubs are thread-safe).
#ifndef GEMMA_TESTS_INTEGRATION_TEST_SERVER_H_
#define GEMMA_TESTS_INTEGRATION_TEST_SERVER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/model_pool.h"
#include "grpcpp/grpcpp.h"
#include "prometheus/registry.h"
#include "proto/gemma4_service.grpc.pb.h"
#include "server/gemma_service.h"
#include "server/grpc_server.h"
#include "server/server_metrics.h"

namespace gemma::testing {

class TestServer {
 public:
  // Loads `spec` into a new pool (owned) with `options`, then serves it.
  // Fails with the pool's error (naming the model) or the server's.
  static absl::StatusOr<std::unique_ptr<TestServer>> Start(
      const engine::ModelSpec& spec, const engine::PoolOptions& options);
  // Serves `pool`, borrowed (it must outlive the TestServer): a pool shared
  // by a test suite, with a fresh service and server per test.
  static absl::StatusOr<std::unique_ptr<TestServer>> Start(
      engine::ModelPool* pool);

  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;
  // Stop()s; then the service, the metrics and an owned pool go.
  ~TestServer();

  // Shuts the gRPC server down (open calls get 10 s) and destroys it.
  // Idempotent, and fine after the server was shut down by someone else
  // (DrainAndShutdown).
  void Stop();

  engine::ModelPool& pool() { return *pool_; }
  server::GemmaService& service() { return *service_; }
  // The running gRPC server; only until Stop().
  grpc::Server& grpc_server() { return *server_.server; }
  // The registry the server metrics live in, e.g. for a /metrics exposer.
  const std::shared_ptr<prometheus::Registry>& registry() const {
    return registry_;
  }
  // "127.0.0.1:<bound port>".
  const std::string& target() const { return target_; }

  // A new insecure channel to the server.
  std::shared_ptr<grpc::Channel> NewChannel() const;
  // A stub on a new channel.
  std::unique_ptr<gemma4::v1::Gemma::Stub> NewStub() const;

 private:
  TestServer(std::unique_ptr<engine::ModelPool> owned_pool,
             engine::ModelPool* pool);
  // Builds the metrics, the service and the server, attaches the pool and
  // reports SERVING.
  absl::Status Serve();

  // Members are destroyed bottom-up: server, service, metrics, pool.
  std::unique_ptr<engine::ModelPool> owned_pool_;  // Null when borrowed.
  engine::ModelPool* const pool_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<server::ServerMetrics> metrics_;
  std::unique_ptr<server::GemmaService> service_;
  server::StartedServer server_;
  std::string target_;
};

// What one StreamGenerate call received, read to the end.
struct StreamedResponse {
  grpc::Status status;                                  // Finish()'s.
  std::vector<gemma4::v1::GenerateStreamChunk> chunks;  // In order.
  // Every chunk's token ids, concatenated, and when each id's chunk arrived.
  std::vector<int32_t> token_ids;
  std::vector<std::chrono::steady_clock::time_point> arrivals;
  std::string text;  // Every chunk's text, concatenated.
  int finals = 0;    // Chunks that carry `final`.
};

// Sends `request` as StreamGenerate on `stub` and reads every chunk.
// `timeout` sets the call's deadline; infinite sets none.
StreamedResponse CollectStream(
    gemma4::v1::Gemma::StubInterface& stub,
    const gemma4::v1::GenerateRequest& request,
    absl::Duration timeout = absl::InfiniteDuration());

}  // namespace gemma::testing

#endif  // GEMMA_TESTS_INTEGRATION_TEST_SERVER_H_
