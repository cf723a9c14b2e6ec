// The StreamGenerate RPC's reactor: submits a prepared request and writes
// one chunk per engine chunk (text delta, token ids, logprobs and, for chat
// prompts, the channel-split delta), then a final chunk per prompt with the
// finish reason, usage and timings.
//
// Never blocks: engine threads push chunks into a queue and return; exactly
// one StartWrite is in flight, and the next one is issued from OnWriteDone.
// The call finishes after the engine has answered every prompt and the
// queue has drained. OnCancel (client gone, deadline passed) or a failed
// write sets the request's CancellationFlag; the engine stops within one
// step.
//
// Ownership: gRPC owns the reactor until OnDone(), which deletes it. Finish
// is called only after the engine's last OnDone, so the engine (holding the
// sink) never reaches a deleted reactor.
// Thread-safety: all state is guarded by mu_.
#ifndef GEMMA_SERVER_STREAM_GENERATE_CALL_H_
#define GEMMA_SERVER_STREAM_GENERATE_CALL_H_

#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/engine.h"
#include "grpcpp/grpcpp.h"
#include "proto/gemma4_service.pb.h"
#include "server/prepared_request.h"
#include "server/rpc_recorder.h"
#include "server/server_metrics.h"
#include "tokenizer/chat_output_parser.h"

namespace gemma::server {

class StreamGenerateCall
    : public grpc::ServerWriteReactor<gemma4::v1::GenerateStreamChunk> {
 public:
  // Submits `prepared` and returns the reactor for gRPC; `metrics` may be
  // null.
  static grpc::ServerWriteReactor<gemma4::v1::GenerateStreamChunk>* Start(
      engine::Engine& engine, PreparedRequest prepared, ServerMetrics* metrics,
      std::unique_ptr<RpcRecorder> recorder);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  class Sink;
  struct Prompt {
    std::optional<tokenizer::ChatOutputParser> chat;  // Chat prompts only.
    std::optional<absl::Time> last_chunk;
    bool done = false;
  };
  // What to do after releasing mu_.
  enum class Next { kNothing, kWrite, kFinish };

  StreamGenerateCall(PreparedRequest& prepared, ServerMetrics* metrics,
                     std::unique_ptr<RpcRecorder> recorder);

  // Sink callbacks (engine threads).
  void HandleChunk(engine::GenerationChunk chunk);
  void HandleDone(engine::GenerationResult result);
  // Chooses the next action; on kWrite, `in_flight_` holds the message.
  Next NextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Act(Next next);
  void FinishWith(const absl::Status& status);

  const std::string model_;
  ServerMetrics* const metrics_;
  std::unique_ptr<RpcRecorder> recorder_;
  const std::shared_ptr<engine::CancellationFlag> cancel_;

  absl::Mutex mu_;
  std::vector<Prompt> prompts_ ABSL_GUARDED_BY(mu_);
  std::deque<gemma4::v1::GenerateStreamChunk> queue_ ABSL_GUARDED_BY(mu_);
  // The message of the write in flight (gRPC reads it until OnWriteDone).
  gemma4::v1::GenerateStreamChunk in_flight_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool write_failed_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  int remaining_ ABSL_GUARDED_BY(mu_);
  absl::Status status_ ABSL_GUARDED_BY(mu_);  // First error, if any.
};

}  // namespace gemma::server

#endif  // GEMMA_SERVER_STREAM_GENERATE_CALL_H_
