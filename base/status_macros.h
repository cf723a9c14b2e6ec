// Status propagation macros shared by every module.
//
// GEMMA_RETURN_IF_ERROR(expr): returns the status of `expr` if it is not OK.
// GEMMA_ASSIGN_OR_RETURN(lhs, expr): evaluates an absl::StatusOr<T>; on error
// returns its status, otherwise move-assigns the value to `lhs` (which may be
// a declaration such as `auto x`).
// Prefixed so they never clash with Abseil's later ABSL_ macros.
// Thread-safety: macros only; no state.
#ifndef GEMMA_BASE_STATUS_MACROS_H_
#define GEMMA_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define GEMMA_RETURN_IF_ERROR(expr)                     \
  do {                                                  \
    ::absl::Status gemma_status_tmp_ = (expr);          \
    if (!gemma_status_tmp_.ok()) return gemma_status_tmp_; \
  } while (false)

#define GEMMA_STATUS_CONCAT_INNER_(a, b) a##b
#define GEMMA_STATUS_CONCAT_(a, b) GEMMA_STATUS_CONCAT_INNER_(a, b)

#define GEMMA_ASSIGN_OR_RETURN(lhs, expr)                                  \
  GEMMA_ASSIGN_OR_RETURN_IMPL_(                                            \
      GEMMA_STATUS_CONCAT_(gemma_statusor_, __LINE__), lhs, expr)

#define GEMMA_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // GEMMA_BASE_STATUS_MACROS_H_
