#include "tokenizer/chat_json.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "tokenizer/chat_value_format.h"

namespace gemma::tokenizer {
namespace {

absl::Status Invalid(const std::string& where, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(where, " ", what));
}

// Reads an optional string field; null counts as absent.
absl::StatusOr<std::optional<std::string>> OptionalString(
    const OrderedJson& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) {
    return Invalid(absl::StrCat(where, ".", key), "must be a string");
  }
  return std::optional<std::string>(it->get<std::string>());
}

absl::StatusOr<bool> OptionalBool(const OrderedJson& obj, const char* key,
                                  bool fallback, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) {
    return Invalid(absl::StrCat(where, key), "must be true or false");
  }
  return it->get<bool>();
}

absl::StatusOr<MessageContent> ParseContent(const OrderedJson& msg,
                                            bool is_tool,
                                            const std::string& where) {
  MessageContent content;
  auto it = msg.find("content");
  if (it == msg.end()) return content;
  const OrderedJson& c = *it;
  const std::string field = where + ".content";
  if (c.is_string()) {
    content.kind = MessageContent::Kind::kText;
    content.text = c.get<std::string>();
  } else if (c.is_array()) {
    content.kind = MessageContent::Kind::kParts;
    for (size_t i = 0; i < c.size(); ++i) {
      const std::string pw = absl::StrCat(field, "[", i, "]");
      if (!c[i].is_object()) return Invalid(pw, "must be an object");
      ContentPart part;
      GEMMA_ASSIGN_OR_RETURN(std::optional<std::string> type,
                             OptionalString(c[i], "type", pw));
      part.type = type.value_or("");
      if (part.type == "text") {
        GEMMA_ASSIGN_OR_RETURN(part.text, OptionalString(c[i], "text", pw));
      } else {
        part.media = c[i];
      }
      content.parts.push_back(std::move(part));
    }
  } else if (c.is_object() && !is_tool) {
    return Invalid(field, "must be a string or a list of parts");
  } else {
    // Numbers and booleans (and, for tool results, objects: the renderer
    // reports a non-empty one) are kept as values.
    content.kind = MessageContent::Kind::kScalar;
    content.scalar = c;
  }
  return content;
}

absl::StatusOr<ToolCall> ParseToolCall(const OrderedJson& tc,
                                       const std::string& where) {
  if (!tc.is_object()) return Invalid(where, "must be an object");
  ToolCall call;
  GEMMA_ASSIGN_OR_RETURN(call.id, OptionalString(tc, "id", where));
  // OpenAI nests name/arguments under "function"; accept them flat as well.
  const OrderedJson* fn = &tc;
  if (auto it = tc.find("function"); it != tc.end()) {
    if (!it->is_object())
      return Invalid(where + ".function", "must be an object");
    fn = &*it;
  }
  const std::string fw = where + ".function";
  GEMMA_ASSIGN_OR_RETURN(std::optional<std::string> name,
                         OptionalString(*fn, "name", fw));
  if (!name.has_value() || name->empty())
    return Invalid(fw + ".name", "is missing");
  call.name = *name;
  auto args = fn->find("arguments");
  if (args == fn->end()) {
    call.arguments = OrderedJson::object();
  } else if (args->is_string()) {
    const std::string& text = args->get_ref<const std::string&>();
    if (text.empty()) {
      call.arguments = OrderedJson::object();
    } else {
      call.arguments = OrderedJson::parse(text, nullptr, false);
      if (call.arguments.is_discarded()) {
        return Invalid(fw + ".arguments", "is not valid JSON");
      }
    }
  } else {
    call.arguments = *args;
  }
  if (!call.arguments.is_object() && !call.arguments.is_null()) {
    return Invalid(fw + ".arguments", "must be a JSON object");
  }
  return call;
}

absl::StatusOr<ChatMessage> ParseMessage(const OrderedJson& msg,
                                         const std::string& where) {
  if (!msg.is_object()) return Invalid(where, "must be an object");
  ChatMessage m;
  GEMMA_ASSIGN_OR_RETURN(std::optional<std::string> role,
                         OptionalString(msg, "role", where));
  if (!role.has_value() || role->empty())
    return Invalid(where + ".role", "is missing");
  m.role = *role;
  GEMMA_ASSIGN_OR_RETURN(m.content, ParseContent(msg, m.role == "tool", where));
  if (auto it = msg.find("tool_calls"); it != msg.end() && !it->is_null()) {
    if (!it->is_array())
      return Invalid(where + ".tool_calls", "must be a list");
    for (size_t i = 0; i < it->size(); ++i) {
      GEMMA_ASSIGN_OR_RETURN(
          ToolCall call,
          ParseToolCall((*it)[i], absl::StrCat(where, ".tool_calls[", i, "]")));
      m.tool_calls.push_back(std::move(call));
    }
  }
  if (auto it = msg.find("tool_responses"); it != msg.end() && !it->is_null()) {
    if (!it->is_array())
      return Invalid(where + ".tool_responses", "must be a list");
    for (size_t i = 0; i < it->size(); ++i) {
      const std::string rw = absl::StrCat(where, ".tool_responses[", i, "]");
      const OrderedJson& r = (*it)[i];
      if (!r.is_object()) return Invalid(rw, "must be an object");
      ToolResponse response;
      auto name = r.find("name");
      if (name != r.end() && !name->is_null()) response.name = PyStr(*name);
      if (auto v = r.find("response"); v != r.end()) response.response = *v;
      m.tool_responses.push_back(std::move(response));
    }
  }
  GEMMA_ASSIGN_OR_RETURN(m.reasoning, OptionalString(msg, "reasoning", where));
  GEMMA_ASSIGN_OR_RETURN(m.reasoning_content,
                         OptionalString(msg, "reasoning_content", where));
  GEMMA_ASSIGN_OR_RETURN(m.tool_call_id,
                         OptionalString(msg, "tool_call_id", where));
  GEMMA_ASSIGN_OR_RETURN(m.name, OptionalString(msg, "name", where));
  return m;
}

absl::StatusOr<ToolDeclaration> ParseTool(const OrderedJson& tool,
                                          const std::string& where) {
  if (!tool.is_object()) return Invalid(where, "must be an object");
  const OrderedJson* fn = &tool;
  std::string fw = where;
  if (auto it = tool.find("function"); it != tool.end()) {
    if (!it->is_object())
      return Invalid(where + ".function", "must be an object");
    fn = &*it;
    fw += ".function";
  }
  ToolDeclaration decl;
  GEMMA_ASSIGN_OR_RETURN(std::optional<std::string> name,
                         OptionalString(*fn, "name", fw));
  if (!name.has_value() || name->empty())
    return Invalid(fw + ".name", "is missing");
  decl.name = *name;
  // Printed as Jinja prints it (a null description shows as "None").
  if (auto it = fn->find("description"); it != fn->end()) {
    decl.description = PyStr(*it);
  }
  if (auto it = fn->find("parameters"); it != fn->end()) {
    decl.parameters = *it;
  }
  if (auto it = fn->find("response"); it != fn->end()) decl.response = *it;
  return decl;
}

}  // namespace

absl::StatusOr<ChatRequest> ParseChatJsonValue(const OrderedJson& json) {
  ChatRequest request;
  const OrderedJson* messages = &json;
  if (json.is_object()) {
    auto it = json.find("messages");
    if (it == json.end() || !it->is_array()) {
      return absl::InvalidArgumentError(
          "chat request needs a \"messages\" list");
    }
    messages = &*it;
    if (auto tools = json.find("tools");
        tools != json.end() && !tools->is_null()) {
      if (!tools->is_array()) return Invalid("tools", "must be a list");
      for (size_t i = 0; i < tools->size(); ++i) {
        GEMMA_ASSIGN_OR_RETURN(
            ToolDeclaration decl,
            ParseTool((*tools)[i], absl::StrCat("tools[", i, "]")));
        request.tools.push_back(std::move(decl));
      }
    }
    GEMMA_ASSIGN_OR_RETURN(request.enable_thinking,
                           OptionalBool(json, "enable_thinking", false, ""));
    GEMMA_ASSIGN_OR_RETURN(request.preserve_thinking,
                           OptionalBool(json, "preserve_thinking", false, ""));
    GEMMA_ASSIGN_OR_RETURN(
        request.add_generation_prompt,
        OptionalBool(json, "add_generation_prompt", true, ""));
    if (auto kw = json.find("chat_template_kwargs");
        kw != json.end() && kw->is_object()) {
      GEMMA_ASSIGN_OR_RETURN(
          request.enable_thinking,
          OptionalBool(*kw, "enable_thinking", request.enable_thinking,
                       "chat_template_kwargs."));
      GEMMA_ASSIGN_OR_RETURN(
          request.preserve_thinking,
          OptionalBool(*kw, "preserve_thinking", request.preserve_thinking,
                       "chat_template_kwargs."));
    }
  } else if (!json.is_array()) {
    return absl::InvalidArgumentError(
        "chat request must be an object with \"messages\" or a list of "
        "messages");
  }
  for (size_t i = 0; i < messages->size(); ++i) {
    GEMMA_ASSIGN_OR_RETURN(
        ChatMessage m,
        ParseMessage((*messages)[i], absl::StrCat("messages[", i, "]")));
    request.messages.push_back(std::move(m));
  }
  return request;
}

absl::StatusOr<ChatRequest> ParseChatJson(absl::string_view json) {
  const OrderedJson parsed =
      OrderedJson::parse(json.begin(), json.end(), nullptr, false);
  if (parsed.is_discarded()) {
    return absl::InvalidArgumentError("chat request is not valid JSON");
  }
  return ParseChatJsonValue(parsed);
}

}  // namespace gemma::tokenizer
