// The Generate RPC's reactor: submits a prepared request to the engine and
// finishes the call when the engine has answered every prompt.
//
// The reactor never blocks. Its sink collects chunks (for logprobs and
// inter-token latency) and results from engine threads; the last OnDone
// fills the response and calls Finish. OnCancel (client cancellation, or
// the deadline passing) sets the request's CancellationFlag; the engine
// then ends the prompts within one step and the call finishes CANCELLED.
//
// Ownership: gRPC owns the reactor from Start() until OnDone(), which
// deletes it. The engine holds the sink (shared), and calls it only until
// the last OnDone, which happens before Finish, so the sink never touches
// a deleted reactor.
// Thread-safety: reactions and sink callbacks may run concurrently; shared
// state is guarded by the sink's mutex.
#ifndef GEMMA_SERVER_UNARY_GENERATE_CALL_H_
#define GEMMA_SERVER_UNARY_GENERATE_CALL_H_

#include <memory>

#include "engine/engine.h"
#include "grpcpp/grpcpp.h"
#include "proto/gemma4_service.pb.h"
#include "server/prepared_request.h"
#include "server/rpc_recorder.h"
#include "server/server_metrics.h"

namespace gemma::server {

class UnaryGenerateCall : public grpc::ServerUnaryReactor {
 public:
  // Submits `prepared` and returns the reactor for gRPC. `response` is
  // gRPC's and outlives the call; `metrics` may be null; `recorder` is
  // finished when the call is.
  static grpc::ServerUnaryReactor* Start(engine::Engine& engine,
                                         PreparedRequest prepared,
                                         gemma4::v1::GenerateResponse* response,
                                         ServerMetrics* metrics,
                                         std::unique_ptr<RpcRecorder> recorder);

  void OnCancel() override;
  void OnDone() override;

 private:
  class Sink;

  UnaryGenerateCall(std::unique_ptr<RpcRecorder> recorder,
                    std::shared_ptr<engine::CancellationFlag> cancel);
  // Called once, by the sink or on a Submit error.
  void FinishWith(const absl::Status& status);

  std::unique_ptr<RpcRecorder> recorder_;
  std::shared_ptr<engine::CancellationFlag> cancel_;
};

}  // namespace gemma::server

#endif  // GEMMA_SERVER_UNARY_GENERATE_CALL_H_
