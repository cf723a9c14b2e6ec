// The one place where absl::Status becomes grpc::Status (and back, for
// clients). Canonical codes map one to one; messages are capped so that a
// runaway message never bloats trailers.
// Thread-safety: pure functions.
#ifndef GEMMA_SERVER_STATUS_CONVERSION_H_
#define GEMMA_SERVER_STATUS_CONVERSION_H_

#include <cstddef>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace gemma::server {

// Longest message sent to a client; longer ones are cut and end in "...".
inline constexpr size_t kMaxStatusMessageBytes = 1024;

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace gemma::server

#endif  // GEMMA_SERVER_STATUS_CONVERSION_H_
