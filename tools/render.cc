// gemma4 render: chat messages -> the exact prompt text the model's chat
// template produces (byte for byte, with its <bos>). Text output: the
// prompt as is (no newline added); JSON: {"prompt": "...", "token_ids":
// [...]} where token_ids are what generation would run (BOS id + the
// tokenized prompt).
#include <optional>

#include "absl/strings/str_cat.h"
#include "base/mapped_file.h"
#include "base/status_macros.h"
#include "engine/frontend.h"
#include "model/checkpoint/checkpoint.h"
#include "tokenizer/chat_json.h"
#include "tools/commands.h"
#include "tools/common.h"
#include "tools/prompt_files.h"

namespace gemma::tools {

absl::Status RunRender(int argc, char** argv) {
  const std::vector<FlagSpec> flags = {
      {"model", false, "checkpoint directory"},
      {"chat", false, "chat JSON file (OpenAI-style messages)"},
      {"thinking", true, "enable thinking"},
      {"tools", false, "JSON file with a list of tool declarations"},
      {"chat-template", false,
       "small (E2B/E4B) or large (26B/31B); default: from the checkpoint"},
      {"format", false, "text (default) or json"},
  };
  absl::StatusOr<Args> args = ParseCommandArgs(
      argc, argv,
      "render --model DIR --chat FILE.json [--thinking] [--tools FILE.json] "
      "[--chat-template small|large] [--format json]",
      flags);
  if (!args.ok()) {
    return HelpShown(args.status()) ? absl::OkStatus() : args.status();
  }
  GEMMA_ASSIGN_OR_RETURN(std::string model, args->Require("model"));
  GEMMA_ASSIGN_OR_RETURN(std::string chat_path, args->Require("chat"));
  GEMMA_ASSIGN_OR_RETURN(OutputFormat format, ParseFormat(*args));
  GEMMA_ASSIGN_OR_RETURN(
      tokenizer::ChatRequest chat,
      LoadChatRequest(chat_path, args->Get("tools"), args->Has("thinking")));
  GEMMA_ASSIGN_OR_RETURN(auto tok, LoadTokenizer(model));
  GEMMA_ASSIGN_OR_RETURN(std::unique_ptr<engine::Frontend> frontend,
                         MakeFrontend(model, *tok, args->Get("chat-template")));
  GEMMA_ASSIGN_OR_RETURN(std::string prompt, frontend->RenderChat(chat));
  if (format == OutputFormat::kJson) {
    GEMMA_ASSIGN_OR_RETURN(engine::PromptInput input, frontend->FromChat(chat));
    nlohmann::json out;
    out["prompt"] = prompt;
    out["token_ids"] = input.token_ids;
    WriteStdout(JsonDump(out) + "\n");
  } else {
    WriteStdout(prompt);
  }
  return absl::OkStatus();
}

}  // namespace gemma::tools
