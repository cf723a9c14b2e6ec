#include "tokenizer/chat_template.h"

#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "tokenizer/chat_value_format.h"
#include "tokenizer/special_tokens.h"
#include "tokenizer/tool_declaration_format.h"

namespace gemma::tokenizer {
namespace {

enum class PrevType { kNone, kThink, kTool, kToolCall, kToolResponse, kMedia };

// What differs between the supported revisions (spec §6.5.10).
struct RevisionRules {
  bool r5 = true;   // 2026-07-15
  bool r2 = false;  // 2026-04-10
  DeclarationStyle declaration;

  explicit RevisionRules(ChatTemplateRevision revision) {
    r5 = revision == ChatTemplateRevision::kR5 ||
         revision == ChatTemplateRevision::kUnknown;
    r2 = revision == ChatTemplateRevision::kR2;
    declaration.drop_reserved_property_names = r2;
    declaration.null_as_none = !r5;
  }
};

// The media placeholder of a content part, or null. Before R5 only the
// plain type names were recognized.
const char* MediaPlaceholder(const std::string& type, bool r5) {
  if (type == "image" || (r5 && type == "image_url")) return "<|image|>";
  if (type == "audio" || (r5 && type == "input_audio")) return "<|audio|>";
  if (type == "video") return "<|video|>";
  return nullptr;
}

// format_tool_response_block.
std::string ToolResponseBlock(const std::string& name,
                              const OrderedJson& response,
                              const RevisionRules& rules) {
  const bool none = rules.declaration.null_as_none;
  std::string out = absl::StrCat(kToolResponseStart, "response:", name, "{");
  if (response.is_object()) {
    bool first = true;
    for (const auto& [key, value] : DictSort(response)) {
      if (!first) out += ",";
      first = false;
      absl::StrAppend(&out, key, ":", FormatArgument(*value, false, none));
    }
  } else {
    absl::StrAppend(&out, "value:", FormatArgument(response, false, none));
  }
  absl::StrAppend(&out, "}", kToolResponseEnd);
  return out;
}

absl::StatusOr<std::string> ToolCallText(const ToolCall& call, size_t index,
                                         const RevisionRules& rules) {
  std::string out = absl::StrCat(kToolCallStart, "call:", call.name, "{");
  if (call.arguments.is_object()) {
    bool first = true;
    for (const auto& [key, value] : DictSort(call.arguments)) {
      if (!first) out += ",";
      first = false;
      absl::StrAppend(
          &out, key, ":",
          FormatArgument(*value, false, rules.declaration.null_as_none));
    }
  } else if (!rules.r5) {
    // Before R5 a string was inserted raw and anything else ignored.
    if (call.arguments.is_string()) {
      out += call.arguments.get_ref<const std::string&>();
    }
  } else if (!call.arguments.is_null()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tool call ", index, " (", call.name,
                     "): function.arguments must be a JSON object, not ",
                     call.arguments.type_name()));
  }
  absl::StrAppend(&out, "}", kToolCallEnd);
  return out;
}

// One block per consecutive `tool` message after L[i] (OpenAI form, §6.5.5
// step 5b). Returns whether any block was emitted.
absl::StatusOr<bool> RenderFollowingToolMessages(
    const std::vector<const ChatMessage*>& messages, size_t i,
    const RevisionRules& rules, std::string* out) {
  const ChatMessage& m = *messages[i];
  bool rendered = false;
  for (size_t k = i + 1; k < messages.size() && messages[k]->role == "tool";
       ++k) {
    const ChatMessage& follow = *messages[k];
    std::optional<std::string> name;
    if (rules.r5) {
      name = follow.name.has_value() && !follow.name->empty() ? *follow.name
                                                              : "unknown";
    } else {
      name = follow.name;  // `get('name') | default('unknown')` keeps None
    }
    for (const ToolCall& tc : m.tool_calls) {
      if (tc.id == follow.tool_call_id) name = tc.name;
    }
    if (!name.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tool message ", k,
          " has no name and its tool_call_id matches no tool call; this "
          "chat template revision cannot render it"));
    }
    const MessageContent& c = follow.content;
    switch (c.kind) {
      case MessageContent::Kind::kText:
        *out += ToolResponseBlock(*name, OrderedJson(c.text), rules);
        break;
      case MessageContent::Kind::kParts: {
        std::string text;
        for (const ContentPart& p : c.parts) {
          if (p.type == "text") text += p.text.value_or("");
        }
        *out += ToolResponseBlock(*name, OrderedJson(text), rules);
        if (rules.r5) {
          for (const ContentPart& p : c.parts) {
            if (const char* ph = MediaPlaceholder(p.type, true)) *out += ph;
          }
        }
        break;
      }
      case MessageContent::Kind::kNone:
        *out += ToolResponseBlock(*name, OrderedJson(nullptr), rules);
        break;
      case MessageContent::Kind::kScalar:
        if (c.scalar.is_object() && !c.scalar.empty()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "tool message ", k,
              ": content is a JSON object, which the chat template cannot "
              "render; send it as a JSON string"));
        }
        *out += ToolResponseBlock(
            *name, c.scalar.is_object() ? OrderedJson("") : c.scalar, rules);
        break;
    }
    rendered = true;
  }
  return rendered;
}

// The message's content; before R5 a media part also sets *prev_type.
std::string RenderContent(const MessageContent& c, bool model_role,
                          const RevisionRules& rules, PrevType* prev_type) {
  std::string out;
  if (c.kind == MessageContent::Kind::kText) {
    out = model_role ? StripThinking(c.text) : PyTrim(c.text);
  } else if (c.kind == MessageContent::Kind::kParts) {
    for (const ContentPart& p : c.parts) {
      if (p.type == "text") {
        const std::string text = p.text.value_or("");
        out += model_role ? StripThinking(text) : PyTrim(text);
      } else if (const char* ph = MediaPlaceholder(p.type, rules.r5)) {
        out += ph;
        if (!rules.r5) *prev_type = PrevType::kMedia;
      }
    }
  }
  return out;
}

// R2's test for "the message has content": Jinja truthiness of the raw value.
bool RawContentTruthy(const MessageContent& c) {
  switch (c.kind) {
    case MessageContent::Kind::kNone:
      return false;
    case MessageContent::Kind::kText:
      return !c.text.empty();
    case MessageContent::Kind::kParts:
      return !c.parts.empty();
    case MessageContent::Kind::kScalar:
      return Truthy(c.scalar);
  }
  return false;
}

}  // namespace

std::string StripThinking(absl::string_view text) {
  std::string result;
  for (absl::string_view part : absl::StrSplit(text, kChannelEnd)) {
    const size_t open = part.find(kChannelStart);
    result.append(part.data(),
                  open == absl::string_view::npos ? part.size() : open);
  }
  return PyTrim(result);
}

bool PromptEndsInThoughtChannel(absl::string_view prompt) {
  const size_t open = prompt.rfind(kChannelStart);
  if (open == absl::string_view::npos) return false;
  return prompt.find(kChannelEnd, open) == absl::string_view::npos;
}

absl::StatusOr<std::string> ChatTemplate::Render(
    const ChatRequest& request, const ChatRenderOptions& options) const {
  for (size_t i = 0; i < request.messages.size(); ++i) {
    if (request.messages[i].role.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("message ", i, " has no role"));
    }
  }
  const RevisionRules rules(revision_);
  if (!rules.r5 && request.messages.empty()) {
    return absl::InvalidArgumentError(
        "this chat template revision cannot render an empty message list");
  }
  std::string out = options.include_bos ? std::string(kBosToken) : "";
  PrevType prev_type = PrevType::kNone;
  const bool thinking = request.enable_thinking;

  // L: the messages after the system message, if that is taken out.
  std::vector<const ChatMessage*> messages;
  for (const ChatMessage& m : request.messages) messages.push_back(&m);
  const bool first_is_system =
      !messages.empty() &&
      (messages[0]->role == "system" || messages[0]->role == "developer");
  if (thinking || !request.tools.empty() || first_is_system) {
    absl::StrAppend(&out, kTurnStart, "system\n");
    if (thinking) {
      absl::StrAppend(&out, kThink, "\n");
      prev_type = PrevType::kThink;
    }
    if (first_is_system) {
      const MessageContent& c = messages[0]->content;
      if (c.kind == MessageContent::Kind::kText) {
        out += PyTrim(c.text);
      } else if (c.kind == MessageContent::Kind::kScalar && rules.r2) {
        out += PyTrim(PyStr(c.scalar));  // `content | trim` of any value
      } else if (c.kind == MessageContent::Kind::kParts) {
        if (rules.r2 && c.parts.empty()) {
          out += "[]";  // `content | trim` prints the Python list
        } else if (rules.r2) {
          return absl::InvalidArgumentError(
              "the chat template of 2026-04-10 does not support system "
              "content given as a list; send it as a string");
        }
        for (const ContentPart& p : c.parts) {
          absl::StrAppend(&out, PyTrim(p.text.value_or("")), " ");
        }
      }
      messages.erase(messages.begin());
    }
    if (!request.tools.empty()) {
      for (const ToolDeclaration& tool : request.tools) {
        absl::StrAppend(&out, kToolStart,
                        FormatToolDeclaration(tool, rules.declaration),
                        kToolEnd);
      }
      prev_type = PrevType::kTool;
    }
    absl::StrAppend(&out, kTurnEnd, "\n");
  }

  int last_user = -1;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (messages[i]->role == "user") last_user = static_cast<int>(i);
  }

  std::optional<std::string> prev_role;
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = *messages[i];
    if (m.role == "tool") continue;
    prev_type = PrevType::kNone;
    const std::string role = m.role == "assistant" ? "model" : m.role;
    const bool model_role = role == "model";
    if (!(model_role && prev_role == "assistant")) {
      absl::StrAppend(&out, kTurnStart, role, "\n");
    }

    const std::optional<std::string>& thought =
        (m.reasoning.has_value() && !m.reasoning->empty())
            ? m.reasoning
            : m.reasoning_content;
    const bool after_last_user = static_cast<int>(i) > last_user;
    const bool gate =
        rules.r5 ? after_last_user ||
                       (request.preserve_thinking && !m.tool_calls.empty())
                 : after_last_user && !m.tool_calls.empty();
    if (thought.has_value() && !thought->empty() && gate) {
      absl::StrAppend(&out, kChannelStart, "thought\n", *thought, "\n",
                      kChannelEnd);
    }

    for (size_t c = 0; c < m.tool_calls.size(); ++c) {
      GEMMA_ASSIGN_OR_RETURN(std::string call,
                             ToolCallText(m.tool_calls[c], c, rules));
      out += call;
    }
    if (!m.tool_calls.empty()) prev_type = PrevType::kToolCall;

    bool responses_rendered = false;
    if (!m.tool_responses.empty()) {
      for (const ToolResponse& r : m.tool_responses) {
        std::string name = r.name.value_or("unknown");
        if (rules.r5 && name.empty()) name = "unknown";
        out += ToolResponseBlock(name, r.response, rules);
      }
      responses_rendered = true;
    } else if (!m.tool_calls.empty()) {
      GEMMA_ASSIGN_OR_RETURN(responses_rendered, RenderFollowingToolMessages(
                                                     messages, i, rules, &out));
    }
    if (responses_rendered) prev_type = PrevType::kToolResponse;

    const std::string content =
        RenderContent(m.content, model_role, rules, &prev_type);
    out += content;
    const bool has_content =
        rules.r2 ? RawContentTruthy(m.content) : !PyTrim(content).empty();

    std::optional<std::string> next_role;
    for (size_t j = i + 1; j < messages.size(); ++j) {
      if (messages[j]->role != "tool") {
        next_role = messages[j]->role;
        break;
      }
    }
    const bool continues_into_next =
        rules.r5 && model_role && next_role == "assistant" &&
        (m.tool_calls.empty() || responses_rendered);
    const bool keep_open = responses_rendered && !has_content &&
                           (!rules.r5 || !next_role.has_value());
    if (prev_type == PrevType::kToolCall && !responses_rendered) {
      absl::StrAppend(&out, kToolResponseStart);
    } else if (continues_into_next) {
      // The next assistant message continues this turn.
    } else if (!keep_open) {
      absl::StrAppend(&out, kTurnEnd, "\n");
    }
    prev_role = m.role;
  }

  if (request.add_generation_prompt) {
    if (prev_type != PrevType::kToolResponse &&
        prev_type != PrevType::kToolCall) {
      absl::StrAppend(&out, kTurnStart, "model\n");
      if (variant_ == ChatTemplateVariant::kLarge && !thinking) {
        absl::StrAppend(&out, kChannelStart, "thought\n", kChannelEnd);
      }
    } else if (rules.r5 && prev_type == PrevType::kToolResponse && thinking) {
      absl::StrAppend(&out, kChannelStart, "thought\n");
    }
  }
  return out;
}

}  // namespace gemma::tokenizer
