// Graceful shutdown of a serving gemma4-server: health NOT_SERVING (load
// balancers and Kubernetes readiness stop sending traffic), new calls
// UNAVAILABLE, the engine stops admitting, requests in flight get up to
// `grace` to finish, then the gRPC server shuts down (cancelling whatever is
// still open).
// Thread-safety: call once, from the thread that owns the server.
#ifndef GEMMA_SERVER_DRAIN_H_
#define GEMMA_SERVER_DRAIN_H_

#include "absl/time/time.h"
#include "engine/engine.h"
#include "grpcpp/grpcpp.h"
#include "server/gemma_service.h"

namespace gemma::server {

// Returns the number of engine requests still in flight when the grace
// period ended (0 after a clean drain).
int DrainAndShutdown(grpc::Server& server, GemmaService& service,
                     engine::Engine& engine, absl::Duration grace);

}  // namespace gemma::server

#endif  // GEMMA_SERVER_DRAIN_H_
