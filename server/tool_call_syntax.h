// Converts Gemma 4's tool-call value syntax (spec §6.5.7) to JSON.
//
// The model writes arguments as `{city:<|"|>Paris<|"|>,days:3}`: bare keys
// (or keys wrapped in <|"|>), strings between <|"|> markers with no
// escaping, true/false/null (older templates: None), numbers as Python
// prints them, lists in [...] and mappings in {...}. The JSON keeps the
// integer/float distinction (3 vs 3.0).
// Thread-safety: pure function.
#ifndef GEMMA_SERVER_TOOL_CALL_SYNTAX_H_
#define GEMMA_SERVER_TOOL_CALL_SYNTAX_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gemma::server {

inline constexpr char kToolStringQuote[] = "<|\"|>";

// `text` is one value, usually a mapping. INVALID_ARGUMENT, with the byte
// offset, if it is not well formed.
absl::StatusOr<std::string> GemmaValueToJson(absl::string_view text);

}  // namespace gemma::server

#endif  // GEMMA_SERVER_TOOL_CALL_SYNTAX_H_
