#include "server/gemma_service.h"

#include <chrono>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "server/generation_options.h"
#include "server/prompt_builder.h"
#include "server/request_validation.h"
#include "server/response_conversion.h"
#include "server/rpc_recorder.h"
#include "server/status_conversion.h"
#include "server/stream_generate_call.h"
#include "server/unary_generate_call.h"

namespace gemma::server {
namespace {

using gemma4::v1::GenerateStreamChunk;

// A stream refused before it started: finishes at once.
class RefusedStream : public grpc::ServerWriteReactor<GenerateStreamChunk> {
 public:
  explicit RefusedStream(const grpc::Status& status) { Finish(status); }
  // gRPC owns the reactor until OnDone.
  void OnDone() override { delete this; }
};

grpc::ServerUnaryReactor* FinishUnary(grpc::CallbackServerContext* context,
                                      RpcRecorder& recorder,
                                      const absl::Status& status) {
  recorder.Finish(status.code());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

absl::Time ToAbslDeadline(std::chrono::system_clock::time_point deadline) {
  if (deadline == std::chrono::system_clock::time_point::max()) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

}  // namespace

void GemmaService::AttachEngine(engine::Engine* engine) {
  {
    absl::MutexLock lock(&mu_);
    models_ = engine->ListModels();
  }
  engine_.store(engine);
}

absl::StatusOr<engine::Engine*> GemmaService::ServingEngine() const {
  if (draining_.load()) {
    return absl::UnavailableError(
        "the server is shutting down; retry on another replica");
  }
  engine::Engine* engine = engine_.load();
  if (engine == nullptr) {
    return absl::UnavailableError(
        "the models are still loading; retry shortly (the health service "
        "reports SERVING once they are ready)");
  }
  return engine;
}

absl::StatusOr<engine::ModelInfo> GemmaService::FindModel(
    const std::string& name) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const engine::ModelInfo& info : models_) {
    if (info.name == name) return info;
    names.push_back(info.name);
  }
  return absl::NotFoundError(absl::StrCat(
      "model '", name,
      "' is not served; served models: ", absl::StrJoin(names, ", ")));
}

absl::StatusOr<PreparedRequest> GemmaService::Prepare(
    const grpc::CallbackServerContext& context,
    const gemma4::v1::GenerateRequest& request) const {
  GEMMA_ASSIGN_OR_RETURN(engine::Engine * engine, ServingEngine());
  GEMMA_RETURN_IF_ERROR(ValidatePrompts(request.model(), request.prompts()));
  GEMMA_ASSIGN_OR_RETURN(engine::ModelInfo model, FindModel(request.model()));
  for (int i = 0; i < request.prompts_size(); ++i) {
    GEMMA_RETURN_IF_ERROR(CheckModalities(model, request.prompts(i),
                                          absl::StrCat("prompts[", i, "]")));
  }
  PreparedRequest prepared;
  prepared.model = request.model();
  GEMMA_ASSIGN_OR_RETURN(prepared.request.params,
                         ToGenerationParams(request.options()));
  GEMMA_ASSIGN_OR_RETURN(
      prepared.request.prompts,
      BuildPrompts(*engine, request.model(), request.prompts(), metrics_));
  GEMMA_RETURN_IF_ERROR(CheckAgainstModel(model, prepared.request.prompts,
                                          prepared.request.params));
  prepared.request.model = request.model();
  prepared.request.deadline = ToAbslDeadline(context.deadline());
  for (const gemma4::v1::Prompt& prompt : request.prompts()) {
    PromptKind kind;
    kind.is_chat = prompt.has_chat();
    kind.starts_in_thought = kind.is_chat && ChatStartsInThought(prompt.chat());
    prepared.kinds.push_back(kind);
  }
  return prepared;
}

grpc::ServerUnaryReactor* GemmaService::Generate(
    grpc::CallbackServerContext* context,
    const gemma4::v1::GenerateRequest* request,
    gemma4::v1::GenerateResponse* response) {
  auto recorder = std::make_unique<RpcRecorder>(metrics_, "Generate");
  absl::StatusOr<PreparedRequest> prepared = Prepare(*context, *request);
  if (!prepared.ok()) {
    if (FindModel(request->model()).ok()) recorder->set_model(request->model());
    return FinishUnary(context, *recorder, prepared.status());
  }
  recorder->set_model(prepared->model);
  return UnaryGenerateCall::Start(*engine_.load(), *std::move(prepared),
                                  response, metrics_, std::move(recorder));
}

grpc::ServerWriteReactor<GenerateStreamChunk>* GemmaService::StreamGenerate(
    grpc::CallbackServerContext* context,
    const gemma4::v1::GenerateRequest* request) {
  auto recorder = std::make_unique<RpcRecorder>(metrics_, "StreamGenerate");
  absl::StatusOr<PreparedRequest> prepared = Prepare(*context, *request);
  if (!prepared.ok()) {
    if (FindModel(request->model()).ok()) recorder->set_model(request->model());
    recorder->Finish(prepared.status().code());
    return new RefusedStream(ToGrpcStatus(prepared.status()));
  }
  recorder->set_model(prepared->model);
  return StreamGenerateCall::Start(*engine_.load(), *std::move(prepared),
                                   metrics_, std::move(recorder));
}

grpc::ServerUnaryReactor* GemmaService::ListModels(
    grpc::CallbackServerContext* context,
    const gemma4::v1::ListModelsRequest* request,
    gemma4::v1::ListModelsResponse* response) {
  RpcRecorder recorder(metrics_, "ListModels");
  absl::StatusOr<engine::Engine*> engine = ServingEngine();
  if (engine.ok()) {
    absl::MutexLock lock(&mu_);
    for (const engine::ModelInfo& info : models_) {
      FillModelInfo(info, response->add_models());
    }
  }
  return FinishUnary(context, recorder, engine.status());
}

absl::StatusOr<gemma4::v1::CountTokensResponse> GemmaService::CountTokensImpl(
    const gemma4::v1::CountTokensRequest& request) const {
  GEMMA_ASSIGN_OR_RETURN(engine::Engine * engine, ServingEngine());
  GEMMA_RETURN_IF_ERROR(ValidatePrompts(request.model(), request.prompts()));
  GEMMA_ASSIGN_OR_RETURN(engine::ModelInfo model, FindModel(request.model()));
  for (int i = 0; i < request.prompts_size(); ++i) {
    GEMMA_RETURN_IF_ERROR(CheckModalities(model, request.prompts(i),
                                          absl::StrCat("prompts[", i, "]")));
  }
  GEMMA_ASSIGN_OR_RETURN(
      std::vector<engine::PromptInput> prompts,
      BuildPrompts(*engine, request.model(), request.prompts(), metrics_));
  gemma4::v1::CountTokensResponse response;
  for (const engine::PromptInput& prompt : prompts) {
    response.add_token_counts(static_cast<int>(prompt.token_ids.size()));
  }
  return response;
}

grpc::ServerUnaryReactor* GemmaService::CountTokens(
    grpc::CallbackServerContext* context,
    const gemma4::v1::CountTokensRequest* request,
    gemma4::v1::CountTokensResponse* response) {
  RpcRecorder recorder(metrics_, "CountTokens");
  if (FindModel(request->model()).ok()) recorder.set_model(request->model());
  absl::StatusOr<gemma4::v1::CountTokensResponse> result =
      CountTokensImpl(*request);
  if (result.ok()) *response = *std::move(result);
  return FinishUnary(context, recorder, result.status());
}

}  // namespace gemma::server
