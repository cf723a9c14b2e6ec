// The RPC status a finished prompt implies: OK for stop and length, and
// the matching canonical error for cancellation, deadline and engine
// errors.
// Thread-safety: pure function.
#ifndef GEMMA_SERVER_RESULT_STATUS_H_
#define GEMMA_SERVER_RESULT_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/request.h"

namespace gemma::server {

inline absl::Status ResultStatus(const engine::GenerationResult& result) {
  switch (result.finish_reason) {
    case engine::FinishReason::kStopToken:
    case engine::FinishReason::kStopString:
    case engine::FinishReason::kLength:
      return absl::OkStatus();
    case engine::FinishReason::kCancelled:
      return absl::CancelledError(
          absl::StrCat("prompt ", result.prompt_index, " was cancelled after ",
                       result.usage.completion_tokens, " generated tokens"));
    case engine::FinishReason::kDeadline:
      return absl::DeadlineExceededError(absl::StrCat(
          "the deadline passed during prompt ", result.prompt_index, " after ",
          result.usage.completion_tokens,
          " generated tokens; allow more time or lower max_new_tokens"));
    case engine::FinishReason::kError:
      break;
  }
  if (!result.status.ok()) return result.status;
  return absl::InternalError(absl::StrCat("prompt ", result.prompt_index,
                                          " failed without an error status"));
}

}  // namespace gemma::server

#endif  // GEMMA_SERVER_RESULT_STATUS_H_
