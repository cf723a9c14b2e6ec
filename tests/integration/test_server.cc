#include "tests/integration/test_server.h"

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace gemma::testing {

absl::StatusOr<std::unique_ptr<TestServer>> TestServer::Start(
    const engine::ModelSpec& spec, const engine::PoolOptions& options) {
  absl::StatusOr<std::unique_ptr<engine::ModelPool>> pool =
      engine::ModelPool::Create({spec}, options);
  if (!pool.ok()) return pool.status();
  engine::ModelPool* borrowed = pool->get();
  std::unique_ptr<TestServer> server(
      new TestServer(*std::move(pool), borrowed));
  if (absl::Status status = server->Serve(); !status.ok()) return status;
  return server;
}

absl::StatusOr<std::unique_ptr<TestServer>> TestServer::Start(
    engine::ModelPool* pool) {
  std::unique_ptr<TestServer> server(new TestServer(nullptr, pool));
  if (absl::Status status = server->Serve(); !status.ok()) return status;
  return server;
}

TestServer::TestServer(std::unique_ptr<engine::ModelPool> owned_pool,
                       engine::ModelPool* pool)
    : owned_pool_(std::move(owned_pool)), pool_(pool) {}

TestServer::~TestServer() { Stop(); }

absl::Status TestServer::Serve() {
  registry_ = std::make_shared<prometheus::Registry>();
  metrics_ = std::make_unique<server::ServerMetrics>(*registry_);
  service_ = std::make_unique<server::GemmaService>(metrics_.get());
  server::GrpcServerOptions options;
  options.address = "127.0.0.1:0";
  absl::StatusOr<server::StartedServer> started =
      server::StartGrpcServer(options, service_.get());
  if (!started.ok()) return started.status();
  server_ = *std::move(started);
  service_->AttachEngine(pool_);
  server::SetServing(*server_.server, true);
  target_ = absl::StrCat("127.0.0.1:", server_.port);
  return absl::OkStatus();
}

void TestServer::Stop() {
  if (server_.server == nullptr) return;
  server_.server->Shutdown(std::chrono::system_clock::now() +
                           std::chrono::seconds(10));
  server_.server.reset();
}

std::shared_ptr<grpc::Channel> TestServer::NewChannel() const {
  return grpc::CreateChannel(target_, grpc::InsecureChannelCredentials());
}

std::unique_ptr<gemma4::v1::Gemma::Stub> TestServer::NewStub() const {
  return gemma4::v1::Gemma::NewStub(NewChannel());
}

StreamedResponse CollectStream(gemma4::v1::Gemma::StubInterface& stub,
                               const gemma4::v1::GenerateRequest& request,
                               absl::Duration timeout) {
  grpc::ClientContext context;
  if (timeout != absl::InfiniteDuration()) {
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  }
  std::unique_ptr<grpc::ClientReaderInterface<gemma4::v1::GenerateStreamChunk>>
      reader = stub.StreamGenerate(&context, request);
  StreamedResponse response;
  gemma4::v1::GenerateStreamChunk chunk;
  while (reader->Read(&chunk)) {
    const auto now = std::chrono::steady_clock::now();
    for (int32_t id : chunk.token_ids()) {
      response.token_ids.push_back(id);
      response.arrivals.push_back(now);
    }
    response.text += chunk.text();
    if (chunk.has_final()) ++response.finals;
    response.chunks.push_back(chunk);
  }
  response.status = reader->Finish();
  return response;
}

}  // namespace gemma::testing
