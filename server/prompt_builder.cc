#include "server/prompt_builder.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace gemma::server {

bool ChatStartsInThought(const gemma4::v1::ChatPrompt& chat) {
  if (!chat.enable_thinking() || chat.messages_size() == 0) return false;
  const gemma4::v1::ChatMessage& last = chat.messages(chat.messages_size() - 1);
  const bool assistant = last.role() == "assistant" || last.role() == "model";
  if (!assistant || last.tool_responses_size() == 0) return false;
  for (const gemma4::v1::ContentPart& part : last.parts()) {
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
  for (int i = 0; i < prompts.size(); ++i) {
    const gemma4::v1::Prompt& prompt = prompts.Get(i);
    engine::PromptInput input;
    if (prompt.has_token_ids()) {
      input.token_ids.assign(prompt.token_ids().ids().begin(),
                             prompt.token_ids().ids().end());
    } else {
      return absl::UnimplementedError(absl::StrCat(
          "prompts[", i,
          "]: text and chat prompts need the model's front end, which this "
          "build does not have yet; send token_ids"));
    }
    out.push_back(std::move(input));
  }
  return out;
}

}  // namespace gemma::server
