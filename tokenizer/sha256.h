// SHA-256 (FIPS 180-4), used to identify which revision of
// chat_template.jinja a checkpoint ships (spec §6.5.1).
//
// Thread-safety: pure function.
#ifndef GEMMA_TOKENIZER_SHA256_H_
#define GEMMA_TOKENIZER_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

namespace gemma::tokenizer {

// Lower-case hex digest of `data`.
std::string Sha256Hex(absl::string_view data);

}  // namespace gemma::tokenizer

#endif  // GEMMA_TOKENIZER_SHA256_H_
