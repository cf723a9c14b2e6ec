// GemmaService: the gemma4.v1.Gemma gRPC service (callback API), the thin
// RPC edge between the API and engine::Engine.
//
// Each RPC validates its request (request_validation, generation_options),
// builds the prompts (prompt_builder), submits to the engine and returns a
// reactor; nothing here blocks on generation. absl::Status becomes
// grpc::Status once, in ToGrpcStatus.
//
// Lifecycle: constructed before the models load, so that the server (and
// its health service) can answer while loading; every RPC is UNAVAILABLE
// until AttachEngine(). StartDraining() makes new calls UNAVAILABLE while
// accepted ones finish.
// Thread-safety: all methods may be called from any thread; AttachEngine
// at most once.
#ifndef GEMMA_SERVER_GEMMA_SERVICE_H_
#define GEMMA_SERVER_GEMMA_SERVICE_H_

#include <atomic>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/engine.h"
#include "grpcpp/grpcpp.h"
#include "proto/gemma4_service.grpc.pb.h"
#include "server/prepared_request.h"
#include "server/server_metrics.h"

namespace gemma::server {

// The gRPC service name, for health checks: "gemma4.v1.Gemma".
inline constexpr char kGemmaServiceName[] = "gemma4.v1.Gemma";

class GemmaService final : public gemma4::v1::Gemma::CallbackService {
 public:
  // `metrics` may be null (tests); borrowed, must outlive the service.
  explicit GemmaService(ServerMetrics* metrics) : metrics_(metrics) {}

  // Starts serving `engine` (borrowed; must outlive the service and every
  // call). Its model list is read once, here.
  void AttachEngine(engine::Engine* engine);
  // New calls get UNAVAILABLE from now on.
  void StartDraining() { draining_.store(true); }

  grpc::ServerUnaryReactor* Generate(
      grpc::CallbackServerContext* context,
      const gemma4::v1::GenerateRequest* request,
      gemma4::v1::GenerateResponse* response) override;
  grpc::ServerWriteReactor<gemma4::v1::GenerateStreamChunk>* StreamGenerate(
      grpc::CallbackServerContext* context,
      const gemma4::v1::GenerateRequest* request) override;
  grpc::ServerUnaryReactor* ListModels(
      grpc::CallbackServerContext* context,
      const gemma4::v1::ListModelsRequest* request,
      gemma4::v1::ListModelsResponse* response) override;
  grpc::ServerUnaryReactor* CountTokens(
      grpc::CallbackServerContext* context,
      const gemma4::v1::CountTokensRequest* request,
      gemma4::v1::CountTokensResponse* response) override;

 private:
  // The engine, or UNAVAILABLE while loading or draining.
  absl::StatusOr<engine::Engine*> ServingEngine() const;
  // NOT_FOUND, listing the served names, for an unknown model.
  absl::StatusOr<engine::ModelInfo> FindModel(const std::string& name) const;
  // Validation, prompt building and model checks for both generate RPCs.
  absl::StatusOr<PreparedRequest> Prepare(
      const grpc::CallbackServerContext& context,
      const gemma4::v1::GenerateRequest& request) const;
  absl::StatusOr<gemma4::v1::CountTokensResponse> CountTokensImpl(
      const gemma4::v1::CountTokensRequest& request) const;

  ServerMetrics* const metrics_;
  std::atomic<engine::Engine*> engine_{nullptr};
  std::atomic<bool> draining_{false};
  mutable absl::Mutex mu_;
  std::vector<engine::ModelInfo> models_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gemma::server

#endif  // GEMMA_SERVER_GEMMA_SERVICE_H_
