#include "server/stream_generate_call.h"

#include <utility>

#include "absl/time/clock.h"
#include "server/response_conversion.h"
#include "server/result_status.h"
#include "server/status_conversion.h"

namespace gemma::server {

using gemma4::v1::GenerateStreamChunk;

// Forwards the engine's callbacks to the call. Valid until the engine's
// last OnDone; see the ownership note in the header.
class StreamGenerateCall::Sink : public engine::RequestSink {
 public:
  explicit Sink(StreamGenerateCall* call) : call_(call) {}
  void OnChunk(engine::GenerationChunk chunk) override {
    call_->HandleChunk(std::move(chunk));
  }
  void OnDone(engine::GenerationResult result) override {
    call_->HandleDone(std::move(result));
  }

 private:
  StreamGenerateCall* const call_;
};

StreamGenerateCall::StreamGenerateCall(PreparedRequest& prepared,
                                       ServerMetrics* metrics,
                                       std::unique_ptr<RpcRecorder> recorder)
    : model_(prepared.model),
      metrics_(metrics),
      recorder_(std::move(recorder)),
      cancel_(std::make_shared<engine::CancellationFlag>()),
      prompts_(prepared.kinds.size()),
      remaining_(static_cast<int>(prepared.kinds.size())) {
  for (size_t i = 0; i < prepared.kinds.size(); ++i) {
    if (prepared.kinds[i].is_chat) {
      prompts_[i].chat.emplace(prepared.kinds[i].starts_in_thought);
    }
  }
}

grpc::ServerWriteReactor<GenerateStreamChunk>* StreamGenerateCall::Start(
    engine::Engine& engine, PreparedRequest prepared, ServerMetrics* metrics,
    std::unique_ptr<RpcRecorder> recorder) {
  auto* call = new StreamGenerateCall(prepared, metrics, std::move(recorder));
  engine::Request request = std::move(prepared.request);
  request.cancel = call->cancel_;
  request.sink = std::make_shared<Sink>(call);
  const absl::Status submitted = engine.Submit(std::move(request));
  if (!submitted.ok()) call->FinishWith(submitted);
  return call;
}

void StreamGenerateCall::HandleChunk(engine::GenerationChunk chunk) {
  const absl::Time now = absl::Now();
  Next next;
  {
    absl::MutexLock lock(&mu_);
    const int index = chunk.prompt_index;
    if (index < 0 || index >= static_cast<int>(prompts_.size()) ||
        prompts_[index].done) {
      return;
    }
    Prompt& p = prompts_[index];
    if (p.last_chunk.has_value() && metrics_ != nullptr) {
      metrics_->RecordInterTokenLatency(model_, now - *p.last_chunk,
                                        chunk.token_ids.size());
    }
    p.last_chunk = now;
    if (write_failed_) return;  // Nobody is listening any more.
    GenerateStreamChunk& out = queue_.emplace_back();
    FillChunk(chunk, &out);
    if (p.chat.has_value()) {
      tokenizer::ChatOutputDelta delta = p.chat->Push(chunk.text);
      if (!delta.empty()) FillChatDelta(delta, out.mutable_chat());
    }
    next = NextLocked();
  }
  Act(next);
}

void StreamGenerateCall::HandleDone(engine::GenerationResult result) {
  Next next;
  {
    absl::MutexLock lock(&mu_);
    const int index = result.prompt_index;
    if (index < 0 || index >= static_cast<int>(prompts_.size()) ||
        prompts_[index].done) {
      return;  // Engine contract broken; never count a prompt twice.
    }
    Prompt& p = prompts_[index];
    p.done = true;
    --remaining_;
    if (metrics_ != nullptr) metrics_->RecordGeneration(model_, result);
    const absl::Status status = ResultStatus(result);
    if (!status.ok()) {
      if (status_.ok()) status_ = status;
    } else if (!write_failed_) {
      GenerateStreamChunk& out = queue_.emplace_back();
      out.set_prompt_index(index);
      if (p.chat.has_value()) {
        tokenizer::ChatOutputDelta delta = p.chat->Finish();
        if (!delta.empty()) FillChatDelta(delta, out.mutable_chat());
      }
      FillStreamFinal(result, out.mutable_final());
    }
    next = NextLocked();
  }
  Act(next);
}

StreamGenerateCall::Next StreamGenerateCall::NextLocked() {
  if (writing_ || finished_) return Next::kNothing;
  if (!queue_.empty() && !write_failed_) {
    in_flight_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    return Next::kWrite;
  }
  if (remaining_ == 0) {
    finished_ = true;
    return Next::kFinish;
  }
  return Next::kNothing;
}

void StreamGenerateCall::Act(Next next) {
  switch (next) {
    case Next::kNothing:
      return;
    case Next::kWrite:
      // in_flight_ is not touched again until OnWriteDone.
      StartWrite(&in_flight_);
      return;
    case Next::kFinish: {
      absl::Status status;
      {
        absl::MutexLock lock(&mu_);
        status = status_;
        if (status.ok() && write_failed_) {
          status = absl::CancelledError("the client stopped reading");
        }
      }
      FinishWith(status);
      return;
    }
  }
}

void StreamGenerateCall::OnWriteDone(bool ok) {
  Next next;
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok && !write_failed_) {
      write_failed_ = true;
      queue_.clear();
      cancel_->Cancel();
    }
    next = NextLocked();
  }
  Act(next);
}

void StreamGenerateCall::OnCancel() { cancel_->Cancel(); }

void StreamGenerateCall::OnDone() {
  // gRPC is done with the call: the reactor owns itself until here.
  delete this;
}

void StreamGenerateCall::FinishWith(const absl::Status& status) {
  recorder_->Finish(status.code());
  Finish(ToGrpcStatus(status));
}

}  // namespace gemma::server
