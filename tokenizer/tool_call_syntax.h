// Parses the tool-call text a Gemma 4 model emits between <|tool_call> and
// <tool_call|>: `call:NAME{key:value,...}`, with values in the chat format's
// value syntax (spec §6.5.7): strings wrapped in <|"|>…<|"|> without
// escaping, numbers, true/false/null, [lists] and {mappings} with bare (or
// <|"|>-quoted) keys. The result is plain JSON (spec §6.5.8).
//
// Thread-safety: pure functions.
#ifndef GEMMA_TOKENIZER_TOOL_CALL_SYNTAX_H_
#define GEMMA_TOKENIZER_TOOL_CALL_SYNTAX_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tokenizer/chat_types.h"

namespace gemma::tokenizer {

struct ParsedToolCall {
  std::string name;
  OrderedJson arguments = OrderedJson::object();  // always a JSON object
  // `arguments` serialized, as OpenAI's function.arguments expects. Bytes
  // that are not UTF-8 (the model may emit any bytes inside a string)
  // become U+FFFD instead of making the serializer throw.
  std::string ArgumentsJson() const {
    return arguments.dump(-1, ' ', /*ensure_ascii=*/false,
                          OrderedJson::error_handler_t::replace);
  }
};

// Parses "call:NAME{...}" (the text between the markers). INVALID_ARGUMENT
// says where the syntax broke.
absl::StatusOr<ParsedToolCall> ParseToolCallText(absl::string_view text);

// Parses one value in the chat format's syntax; the whole input must be
// consumed (surrounding whitespace allowed).
absl::StatusOr<OrderedJson> ParseGemmaValue(absl::string_view text);

}  // namespace gemma::tokenizer

#endif  // GEMMA_TOKENIZER_TOOL_CALL_SYNTAX_H_
