// Builds and starts the gRPC server around GemmaService: the standard
// grpc.health.v1 service (Check and Watch), server reflection (so
// grpcurl-style tools can list and call the API), a deliberate message size
// limit (larger messages are refused RESOURCE_EXHAUSTED by gRPC), and
// keepalive settings.
//
// Health starts NOT_SERVING; SetServing() flips both the overall status
// ("") and the service's ("gemma4.v1.Gemma").
// Thread-safety: StartGrpcServer is meant for main() (and tests) and turns
// on gRPC's process-wide health-service and reflection switches; SetServing
// may be called from any thread.
#ifndef GEMMA_SERVER_GRPC_SERVER_H_
#define GEMMA_SERVER_GRPC_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace gemma::server {

struct GrpcServerOptions {
  // host:port to listen on; port 0 picks a free port.
  std::string address;
  // Largest request or response message; 64 MiB holds several images and
  // 30 s of uncompressed 48 kHz stereo audio with room to spare.
  int64_t max_message_bytes = int64_t{64} << 20;
  // Server pings an idle connection this often, and drops it when the ping
  // is not answered within the timeout.
  absl::Duration keepalive_time = absl::Seconds(60);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  // Clients may ping this often (keepalive) without being disconnected.
  absl::Duration min_client_ping_interval = absl::Seconds(10);
};

struct StartedServer {
  std::unique_ptr<grpc::Server> server;
  int port = 0;  // The port actually bound.
};

// `service` is borrowed and must outlive the server. Fails (UNAVAILABLE,
// naming the address) when the port cannot be bound.
absl::StatusOr<StartedServer> StartGrpcServer(const GrpcServerOptions& options,
                                              grpc::Service* service);

// Reports SERVING (true) or NOT_SERVING (false) on the health service.
void SetServing(grpc::Server& server, bool serving);

}  // namespace gemma::server

#endif  // GEMMA_SERVER_GRPC_SERVER_H_
