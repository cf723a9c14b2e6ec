// Parses an OpenAI-style chat request (JSON) into a ChatRequest for the chat
// template. Accepted shapes:
//   {"messages": [...], "tools": [...], "enable_thinking": bool,
//    "preserve_thinking": bool, "add_generation_prompt": bool,
//    "chat_template_kwargs": {"enable_thinking": ..., ...}}
// or a bare list of messages. Messages follow OpenAI Chat Completions
// (content as a string or a list of parts: text, image_url, input_audio,
// image, audio, video; assistant tool_calls whose function.arguments may be
// JSON text; role "tool" with tool_call_id), plus the Gemma-native
// `tool_responses` and `reasoning`/`reasoning_content` fields (spec §6.5.2).
//
// Thread-safety: pure function.
#ifndef GEMMA_TOKENIZER_CHAT_JSON_H_
#define GEMMA_TOKENIZER_CHAT_JSON_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tokenizer/chat_types.h"

namespace gemma::tokenizer {

// INVALID_ARGUMENT errors name the offending field, e.g.
// "messages[2].tool_calls[0].function.arguments is not valid JSON".
absl::StatusOr<ChatRequest> ParseChatJson(absl::string_view json);
absl::StatusOr<ChatRequest> ParseChatJsonValue(const OrderedJson& json);

}  // namespace gemma::tokenizer

#endif  // GEMMA_TOKENIZER_CHAT_JSON_H_
