// Small UTF-8 helpers shared by the detokenizer and the chat template.
//
// Thread-safety: pure functions.
#ifndef GEMMA_TOKENIZER_UTF8_H_
#define GEMMA_TOKENIZER_UTF8_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace gemma::tokenizer {

// UTF-8 encoding of U+FFFD, which replaces every byte that is not part of a
// well-formed character (as SentencePiece's decoder does).
inline constexpr absl::string_view kReplacementChar = "\xEF\xBF\xBD";

enum class Utf8Prefix {
  kComplete,    // `s` starts with one well-formed character of *length bytes.
  kIncomplete,  // `s` is a proper prefix of some well-formed character.
  kInvalid,     // s[0] cannot start a well-formed character here.
};

// Classifies the start of a non-empty `s` (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
Utf8Prefix ClassifyUtf8Prefix(absl::string_view s, size_t* length);

// Appends `bytes` to *out with every byte that is not part of a well-formed
// character replaced by U+FFFD; a truncated final character counts as
// malformed.
void AppendWithReplacement(absl::string_view bytes, std::string* out);

// Decodes the code point at s[*pos] (well-formed or not) and advances *pos;
// a malformed byte yields U+FFFD and advances by one.
char32_t NextCodePoint(absl::string_view s, size_t* pos);

}  // namespace gemma::tokenizer

#endif  // GEMMA_TOKENIZER_UTF8_H_
