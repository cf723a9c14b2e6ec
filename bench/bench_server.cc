#include "bench/bench_server.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "server/grpc_server.h"

namespace gemma::bench {

absl::StatusOr<std::unique_ptr<BenchServer>> BenchServer::Start(
    const engine::ModelSpec& spec, int threads, const std::string& host) {
  std::unique_ptr<BenchServer> s(new BenchServer());
  engine::PoolOptions options;
  options.total_threads = threads;
  GEMMA_ASSIGN_OR_RETURN(s->pool_, engine::ModelPool::Create({spec}, options));
  s->registry_ = std::make_shared<prometheus::Registry>();
  s->metrics_ = std::make_unique<server::ServerMetrics>(*s->registry_);
  s->service_ = std::make_unique<server::GemmaService>(s->metrics_.get());
  server::GrpcServerOptions grpc_options;
  grpc_options.address = absl::StrCat(host, ":0");
  GEMMA_ASSIGN_OR_RETURN(
      server::StartedServer started,
      server::StartGrpcServer(grpc_options, s->service_.get()));
  s->server_ = std::move(started.server);
  s->service_->AttachEngine(s->pool_.get());
  server::SetServing(*s->server_, true);
  s->target_ = absl::StrCat(host, ":", started.port);
  return s;
}

BenchServer::~BenchServer() {
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::seconds(10));
    server_.reset();
  }
  service_.reset();
  pool_.reset();
}

}  // namespace gemma::bench
