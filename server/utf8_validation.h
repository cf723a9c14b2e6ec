// Strict UTF-8 validation for text fields of requests (no overlong forms,
// no surrogates, nothing past U+10FFFF).
// Thread-safety: pure function.
#ifndef GEMMA_SERVER_UTF8_VALIDATION_H_
#define GEMMA_SERVER_UTF8_VALIDATION_H_

#include "absl/strings/string_view.h"

namespace gemma::server {

bool IsValidUtf8(absl::string_view s);

}  // namespace gemma::server

#endif  // GEMMA_SERVER_UTF8_VALIDATION_H_
