#include "server/unary_generate_call.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "server/response_conversion.h"
#include "server/result_status.h"
#include "server/status_conversion.h"
#include "tokenizer/chat_output_parser.h"

namespace gemma::server {

// Collects the engine's answers; the last OnDone finishes the call.
class UnaryGenerateCall::Sink : public engine::RequestSink {
 public:
  Sink(UnaryGenerateCall* call, std::string model,
       std::vector<PromptKind> kinds, gemma4::v1::GenerateResponse* response,
       ServerMetrics* metrics)
      : call_(call),
        model_(std::move(model)),
        kinds_(std::move(kinds)),
        response_(response),
        metrics_(metrics),
        prompts_(kinds_.size()),
        remaining_(static_cast<int>(kinds_.size())) {}

  void OnChunk(engine::GenerationChunk chunk) override {
    const absl::Time now = absl::Now();
    absl::MutexLock lock(&mu_);
    if (!ValidIndex(chunk.prompt_index)) return;
    Prompt& p = prompts_[chunk.prompt_index];
    for (engine::TokenLogprob& lp : chunk.logprobs) {
      p.logprobs.push_back(std::move(lp));
    }
    if (p.last_chunk.has_value() && metrics_ != nullptr) {
      metrics_->RecordInterTokenLatency(model_, now - *p.last_chunk,
                                        chunk.token_ids.size());
    }
    p.last_chunk = now;
  }

  void OnDone(engine::GenerationResult result) override {
    UnaryGenerateCall* to_finish = nullptr;
    absl::Status status;
    {
      absl::MutexLock lock(&mu_);
      if (!ValidIndex(result.prompt_index) ||
          prompts_[result.prompt_index].result.has_value()) {
        return;  // Engine contract broken; never finish twice.
      }
      if (metrics_ != nullptr) metrics_->RecordGeneration(model_, result);
      if (first_error_.ok()) first_error_ = ResultStatus(result);
      prompts_[result.prompt_index].result = std::move(result);
      if (--remaining_ > 0) return;
      status = first_error_;
      if (status.ok()) FillResponse();
      to_finish = call_;
      call_ = nullptr;
    }
    to_finish->FinishWith(status);
  }

 private:
  struct Prompt {
    std::vector<engine::TokenLogprob> logprobs;
    std::optional<absl::Time> last_chunk;
    std::optional<engine::GenerationResult> result;
  };

  bool ValidIndex(int index) const {
    return index >= 0 && index < static_cast<int>(prompts_.size());
  }

  void FillResponse() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    response_->set_model(model_);
    for (size_t i = 0; i < prompts_.size(); ++i) {
      const engine::GenerationResult& result = *prompts_[i].result;
      std::optional<tokenizer::ParsedChatOutput> chat;
      if (kinds_[i].is_chat) {
        chat = tokenizer::ParseChatOutput(result.text,
                                          kinds_[i].starts_in_thought);
      }
      FillCompletion(result, prompts_[i].logprobs,
                     chat.has_value() ? &*chat : nullptr,
                     response_->add_completions());
    }
  }

  absl::Mutex mu_;
  UnaryGenerateCall* call_ ABSL_GUARDED_BY(mu_);  // Null once finished.
  const std::string model_;
  const std::vector<PromptKind> kinds_;
  gemma4::v1::GenerateResponse* const response_;
  ServerMetrics* const metrics_;
  std::vector<Prompt> prompts_ ABSL_GUARDED_BY(mu_);
  int remaining_ ABSL_GUARDED_BY(mu_);
  absl::Status first_error_ ABSL_GUARDED_BY(mu_);
};

UnaryGenerateCall::UnaryGenerateCall(
    std::unique_ptr<RpcRecorder> recorder,
    std::shared_ptr<engine::CancellationFlag> cancel)
    : recorder_(std::move(recorder)), cancel_(std::move(cancel)) {}

grpc::ServerUnaryReactor* UnaryGenerateCall::Start(
    engine::Engine& engine, PreparedRequest prepared,
    gemma4::v1::GenerateResponse* response, ServerMetrics* metrics,
    std::unique_ptr<RpcRecorder> recorder) {
  auto cancel = std::make_shared<engine::CancellationFlag>();
  auto* call = new UnaryGenerateCall(std::move(recorder), cancel);
  engine::Request request = std::move(prepared.request);
  request.cancel = cancel;
  request.sink = std::make_shared<Sink>(
      call, prepared.model, std::move(prepared.kinds), response, metrics);
  // After OK the sink owns finishing (possibly before Submit returns).
  const absl::Status submitted = engine.Submit(std::move(request));
  if (!submitted.ok()) call->FinishWith(submitted);
  return call;
}

void UnaryGenerateCall::OnCancel() { cancel_->Cancel(); }

void UnaryGenerateCall::OnDone() {
  // gRPC is done with the call: the reactor owns itself until here.
  delete this;
}

void UnaryGenerateCall::FinishWith(const absl::Status& status) {
  recorder_->Finish(status.code());
  Finish(ToGrpcStatus(status));
}

}  // namespace gemma::server
