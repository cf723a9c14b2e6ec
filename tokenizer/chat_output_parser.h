// Splits what a Gemma 4 instruction-tuned model generates (decoded with its
// markers kept, e.g. by StreamingDetokenizer) into reasoning, visible answer
// and tool calls (spec §6.5.8):
//  - reasoning runs from <|channel>thought\n to <channel|> and is returned
//    trimmed, never as part of the answer;
//  - each <|tool_call>call:NAME{…}<tool_call|> becomes a ParsedToolCall with
//    JSON arguments, reported as soon as its closing marker arrives;
//  - the answer ends at <turn|>, <|tool_response> or <eos>; later text is
//    ignored.
// Text may arrive in chunks of any size; a marker split across chunks is
// held back until it is complete, so every delta is final. A tool call that
// does not parse is returned as answer text, verbatim, rather than lost.
// Nothing throws: arguments that are not valid UTF-8 serialize with U+FFFD.
//
// Thread-safety: one instance per request, used by one thread at a time.
#ifndef GEMMA_TOKENIZER_CHAT_OUTPUT_PARSER_H_
#define GEMMA_TOKENIZER_CHAT_OUTPUT_PARSER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "tokenizer/tool_call_syntax.h"

namespace gemma::tokenizer {

// What one Push/Finish added.
struct ChatOutputDelta {
  std::string content;
  std::string reasoning;
  std::vector<ParsedToolCall> tool_calls;  // completed calls
  bool finished = false;                   // an end marker was reached

  // Nothing to show the caller (`finished` alone is not content).
  bool empty() const {
    return content.empty() && reasoning.empty() && tool_calls.empty();
  }
};

struct ParsedChatOutput {
  std::string content;
  std::string reasoning;
  std::vector<ParsedToolCall> tool_calls;
  // The marker that ended the reply ("<turn|>", "<|tool_response>", "<eos>"),
  // or "" if the text simply stopped.
  std::string end_marker;
};

class ChatOutputParser {
 public:
  // `start_in_thinking`: the prompt ended inside an opened thought channel
  // (PromptEndsInThoughtChannel), so the reply begins with reasoning.
  explicit ChatOutputParser(bool start_in_thinking = false);

  ChatOutputDelta Push(absl::string_view text);
  // Ends the stream: releases held-back text. An unterminated tool call is
  // returned as answer text, verbatim.
  ChatOutputDelta Finish();

  // Everything parsed so far.
  const ParsedChatOutput& result() const { return result_; }
  bool finished() const { return state_ == State::kDone; }

 private:
  enum class State { kContent, kChannelHeader, kThinking, kToolCall, kDone };

  void Process(bool final, ChatOutputDelta* delta);
  void EmitContent(absl::string_view text, ChatOutputDelta* delta);
  void EmitReasoning(absl::string_view text, bool channel_closed,
                     ChatOutputDelta* delta);
  void FinishToolCall(absl::string_view raw, ChatOutputDelta* delta);

  State state_;
  std::string pending_;
  // Reasoning whitespace handling: leading space dropped, trailing space
  // held until more text follows.
  bool reasoning_started_ = false;
  std::string reasoning_held_space_;
  ParsedChatOutput result_;
};

// One-shot form of ChatOutputParser.
ParsedChatOutput ParseChatOutput(absl::string_view text,
                                 bool start_in_thinking = false);

}  // namespace gemma::tokenizer

#endif  // GEMMA_TOKENIZER_CHAT_OUTPUT_PARSER_H_
