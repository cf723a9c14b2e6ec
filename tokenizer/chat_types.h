// The input of the Gemma 4 chat template (spec §6.5.2): messages, tools and
// flags, as plain C++ values. ParseChatJson (chat_json.h) fills them from an
// OpenAI-style request; the renderer (chat_template.h) turns them into the
// prompt text.
//
// JSON-valued fields (tool-call arguments, tool results, parameter schemas)
// keep their key order and their integer/float distinction, which the
// template's output depends on.
//
// Thread-safety: plain value types.
#ifndef GEMMA_TOKENIZER_CHAT_TYPES_H_
#define GEMMA_TOKENIZER_CHAT_TYPES_H_

#include <optional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace gemma::tokenizer {

using OrderedJson = nlohmann::ordered_json;

// One element of a content list. `type` is the part's type string as given:
// "text"; "image"/"image_url"; "audio"/"input_audio"; "video"; anything else
// is ignored by the template.
struct ContentPart {
  std::string type;
  std::optional<std::string> text;  // for "text" parts
  // The media payload (URL, data URI, base64 object...) exactly as given, for
  // the media preprocessor; the template only emits a placeholder.
  OrderedJson media;

  static ContentPart Text(std::string text) {
    return ContentPart{"text", std::move(text), nullptr};
  }
  static ContentPart Media(std::string type, OrderedJson media = nullptr) {
    return ContentPart{std::move(type), std::nullopt, std::move(media)};
  }
};

struct MessageContent {
  enum class Kind {
    kNone,   // absent (or null)
    kText,   // a string
    kParts,  // a list of parts
    // Any other JSON value: a number, boolean or explicit null (meaningful
    // for tool results; the 2026-04-10 template also prints it as system
    // text), or an object (tool results only).
    kScalar,
  };
  Kind kind = Kind::kNone;
  std::string text;
  std::vector<ContentPart> parts;
  OrderedJson scalar;
};

struct ToolCall {
  std::optional<std::string> id;
  std::string name;
  // A JSON object, or null (renders as `{}`). Any other value is an error
  // when rendering, as in the template.
  OrderedJson arguments = OrderedJson::object();
};

// Gemma-native tool result carried on an assistant message.
struct ToolResponse {
  std::optional<std::string> name;  // absent or "" renders as "unknown"
  OrderedJson response;
};

struct ChatMessage {
  // "system", "developer", "user", "assistant", "tool", or any other string
  // (rendered verbatim as the turn name).
  std::string role;
  MessageContent content;
  std::vector<ToolCall> tool_calls;          // assistant
  std::vector<ToolResponse> tool_responses;  // assistant, Gemma-native
  std::optional<std::string> reasoning;
  std::optional<std::string> reasoning_content;
  std::optional<std::string> tool_call_id;  // tool
  std::optional<std::string> name;          // tool

  static ChatMessage Text(std::string role, std::string text) {
    ChatMessage m;
    m.role = std::move(role);
    m.content.kind = MessageContent::Kind::kText;
    m.content.text = std::move(text);
    return m;
  }
};

// One entry of `tools` ({type: "function", function: {...}}).
struct ToolDeclaration {
  std::string name;
  // Printed verbatim; "" when absent.
  std::string description;
  // The JSON schema of the parameters; null when absent.
  OrderedJson parameters;
  // Present iff the function has a "response" key.
  std::optional<OrderedJson> response;
};

struct ChatRequest {
  std::vector<ChatMessage> messages;
  std::vector<ToolDeclaration> tools;
  bool enable_thinking = false;
  bool preserve_thinking = false;
  bool add_generation_prompt = true;
};

}  // namespace gemma::tokenizer

#endif  // GEMMA_TOKENIZER_CHAT_TYPES_H_
