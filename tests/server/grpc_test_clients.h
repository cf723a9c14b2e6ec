// Client helpers for tests of a running gemma4-server: the health check,
// and server reflection's list_services done over raw bytes (Debian ships
// no reflection stubs; the request is one field, the answer is scanned for
// length-prefixed names). Test-only. Thread-safety: free functions.
#ifndef GEMMA_TESTS_SERVER_GRPC_TEST_CLIENTS_H_
#define GEMMA_TESTS_SERVER_GRPC_TEST_CLIENTS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "proto/grpc/health/v1/health.grpc.pb.h"

namespace gemma::testing {

// The status of `service` ("" = the whole server), or the RPC's error.
absl::StatusOr<grpc::health::v1::HealthCheckResponse::ServingStatus>
CheckHealth(grpc::Channel& channel, const std::string& service);

// The names of the services the server's reflection lists.
absl::StatusOr<std::vector<std::string>> ListServicesByReflection(
    const std::shared_ptr<grpc::Channel>& channel);

}  // namespace gemma::testing

#endif  // GEMMA_TESTS_SERVER_GRPC_TEST_CLIENTS_H_
