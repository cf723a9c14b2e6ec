// Splits a chat model's generated text into its channels as it streams in
// (spec §6.5.8): the thought channel `<|channel>thought\n...<channel|>`,
// tool calls `<|tool_call>call:NAME{...}<tool_call|>` (arguments converted
// to JSON), and the visible answer, which ends at `<turn|>`,
// `<|tool_response>` or `<eos>` (nothing after those is returned).
//
// Markers split across Feed() calls are held back until they are complete,
// so every delta is final. The thought is trimmed: concatenating the
// thought deltas gives the trimmed thought. A tool call that does not parse
// is returned as visible text, unchanged, rather than lost.
// Thread-safety: not thread-safe; one parser per generated sequence.
#ifndef GEMMA_SERVER_CHAT_OUTPUT_PARSER_H_
#define GEMMA_SERVER_CHAT_OUTPUT_PARSER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace gemma::server {

struct ParsedToolCall {
  std::string name;
  std::string arguments_json;
};

struct ChatDelta {
  std::string thought;
  std::string content;
  std::vector<ParsedToolCall> tool_calls;

  bool empty() const {
    return thought.empty() && content.empty() && tool_calls.empty();
  }
  void Append(ChatDelta other);
};

class ChatOutputParser {
 public:
  // `starts_in_thought`: the prompt ended inside an open thought channel
  // (thinking on, after tool results), so the output begins as thought.
  explicit ChatOutputParser(bool starts_in_thought = false);

  // Consumes the next piece of generated text.
  ChatDelta Feed(absl::string_view text);
  // End of generation: releases anything held back (an incomplete marker is
  // plain text; an unterminated tool call is returned as text).
  ChatDelta Finish();

  // Whole-text convenience: Feed(text) + Finish().
  static ChatDelta ParseAll(absl::string_view text,
                            bool starts_in_thought = false);

 private:
  enum class State { kContent, kThoughtHeader, kThought, kToolCall, kEnded };

  // Handles buffer_ from the start; `final` = no more text will come.
  void Drain(bool final, ChatDelta& out);
  void EmitThought(absl::string_view text, ChatDelta& out);
  void CloseToolCall(ChatDelta& out);

  State state_;
  std::string buffer_;         // Not yet classified.
  std::string tool_call_;      // Body of the open tool call.
  std::string thought_space_;  // Whitespace held back inside the thought.
  bool thought_started_ = false;
};

}  // namespace gemma::server

#endif  // GEMMA_SERVER_CHAT_OUTPUT_PARSER_H_
