#include "server/prompt_builder.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "engine/frontend.h"
#include "server/media_conversion.h"
#include "server/request_validation.h"
#include "tokenizer/chat_types.h"

namespace gemma::server {
namespace {

using gemma4::v1::ChatPrompt;
using gemma4::v1::ContentPart;
using tokenizer::OrderedJson;

// Prefixes a front-end error with the prompt's field path.
absl::Status WithField(const absl::Status& status, const std::string& field) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(field, ": ", status.message()));
}

// Parses JSON already checked by request_validation; keeps key order.
OrderedJson ParseJson(const std::string& text) {
  if (text.empty()) return nullptr;
  OrderedJson json = OrderedJson::parse(text, nullptr,
                                        /*allow_exceptions=*/false);
  return json.is_discarded() ? OrderedJson(nullptr) : json;
}

// The API's chat (validated) as the chat template's input; media in order.
tokenizer::ChatRequest ToChatRequest(const ChatPrompt& chat,
                                     std::vector<engine::MediaBlob>& media) {
  tokenizer::ChatRequest out;
  out.enable_thinking = chat.enable_thinking();
  for (const gemma4::v1::ChatMessage& m : chat.messages()) {
    tokenizer::ChatMessage message;
    message.role = m.role() == "model" ? "assistant" : m.role();
    const bool single_text = m.parts_size() == 1 && m.parts(0).has_text();
    if (single_text) {
      // A plain string: a list would add a space after system text.
      message.content.kind = tokenizer::MessageContent::Kind::kText;
      message.content.text = m.parts(0).text();
    } else if (m.parts_size() > 0) {
      message.content.kind = tokenizer::MessageContent::Kind::kParts;
      for (const ContentPart& part : m.parts()) {
        if (part.has_text()) {
          message.content.parts.push_back(
              tokenizer::ContentPart::Text(part.text()));
        } else if (std::optional<PartMedia> item = ContentPartMedia(part)) {
          // Images, audio clips, videos (server/media_conversion.h).
          message.content.parts.push_back(
              tokenizer::ContentPart::Media(item->type));
          media.push_back(std::move(item->blob));
        }
      }
    }
    for (const gemma4::v1::ToolCall& call : m.tool_calls()) {
      tokenizer::ToolCall c;
      c.name = call.name();
      c.arguments = ParseJson(call.arguments_json());
      message.tool_calls.push_back(std::move(c));
    }
    for (const gemma4::v1::ToolResponse& r : m.tool_responses()) {
      message.tool_responses.push_back(
          {r.name(), ParseJson(r.response_json())});
    }
    if (!m.reasoning().empty()) message.reasoning = m.reasoning();
    if (!m.name().empty()) message.name = m.name();
    out.messages.push_back(std::move(message));
  }
  for (const gemma4::v1::ToolDeclaration& tool : chat.tools()) {
    tokenizer::ToolDeclaration d;
    d.name = tool.name();
    d.description = tool.description();
    d.parameters = ParseJson(tool.parameters_json_schema());
    out.tools.push_back(std::move(d));
  }
  return out;
}

absl::StatusOr<engine::PromptInput> BuildOne(const engine::Frontend& frontend,
                                             const std::string& model,
                                             const gemma4::v1::Prompt& prompt,
                                             ServerMetrics* metrics) {
  const absl::Time start = absl::Now();
  engine::MediaReport report;
  switch (prompt.input_case()) {
    case gemma4::v1::Prompt::kText: {
      absl::StatusOr<engine::PromptInput> input = frontend.FromText(
          prompt.text().text(), TextPromptMedia(prompt.text()), &report);
      if (input.ok()) RecordMediaReport(metrics, model, report);
      if (metrics != nullptr) {
        metrics->RecordPreprocess(PreprocessStage::kTokenize,
                                  absl::Now() - start);
      }
      return input;
    }
    case gemma4::v1::Prompt::kChat: {
      std::vector<engine::MediaBlob> media;
      const tokenizer::ChatRequest chat = ToChatRequest(prompt.chat(), media);
      absl::StatusOr<engine::PromptInput> input =
          frontend.FromChat(chat, media, &report);
      if (input.ok()) RecordMediaReport(metrics, model, report);
      if (metrics != nullptr) {
        metrics->RecordPreprocess(PreprocessStage::kChatTemplate,
                                  absl::Now() - start);
      }
      return input;
    }
    case gemma4::v1::Prompt::kTokenIds:
      return frontend.FromTokenIds(std::vector<int32_t>(
          prompt.token_ids().ids().begin(), prompt.token_ids().ids().end()));
    default:
      return absl::InvalidArgumentError(
          "no input; set text, chat or token_ids");
  }
}

}  // namespace

bool ChatStartsInThought(const ChatPrompt& chat) {
  if (!chat.enable_thinking() || chat.messages_size() == 0) return false;
  const gemma4::v1::ChatMessage& last = chat.messages(chat.messages_size() - 1);
  const bool assistant = last.role() == "assistant" || last.role() == "model";
  if (!assistant || last.tool_responses_size() == 0) return false;
  for (const ContentPart& part : last.parts()) {
    if (part.has_text() &&
        part.text().find_first_not_of(" \t\n\r\f\v") != std::string::npos) {
      return false;  // Closed turn (spec §6.5.6 quirk): not inside a channel.
    }
  }
  return true;
}

absl::StatusOr<std::vector<engine::PromptInput>> BuildPrompts(
    const engine::Engine& engine, const std::string& model,
    const google::protobuf::RepeatedPtrField<gemma4::v1::Prompt>& prompts,
    ServerMetrics* metrics) {
  std::vector<engine::PromptInput> out;
  out.reserve(prompts.size());
  const engine::Frontend* frontend = nullptr;
  for (int i = 0; i < prompts.size(); ++i) {
    const gemma4::v1::Prompt& prompt = prompts.Get(i);
    if (prompt.has_token_ids() && frontend == nullptr) {
      // Token ids need no front end (engines without one still take them).
      engine::PromptInput input;
      input.token_ids.assign(prompt.token_ids().ids().begin(),
                             prompt.token_ids().ids().end());
      out.push_back(std::move(input));
      continue;
    }
    if (frontend == nullptr) {
      GEMMA_ASSIGN_OR_RETURN(frontend, engine.GetFrontend(model));
    }
    absl::StatusOr<engine::PromptInput> input =
        BuildOne(*frontend, model, prompt, metrics);
    if (!input.ok()) {
      return WithField(input.status(), absl::StrCat("prompts[", i, "]"));
    }
    out.push_back(*std::move(input));
  }
  return out;
}

}  // namespace gemma::server
