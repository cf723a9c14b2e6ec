// gemma4 generate: runs one prompt through the in-process serving engine
// (the same engine::Engine the server uses) and streams the text. With
// --format json prints {"token_ids": [...], "text": "...", "finish_reason":
// "..."}, token_ids being the prompt followed by the generated ids (only the
// generated ids with --strip-prompt), like keras-hub's generate on token ids.
#include <cstdio>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/status_macros.h"
#include "engine/engine.h"
#include "engine/frontend.h"
#include "engine/request.h"
#include "tools/cli_engine.h"
#include "tools/commands.h"
#include "tools/common.h"
#include "tools/generate_flags.h"
#include "tools/prompt_files.h"

namespace gemma::tools {
namespace {

// Prints text chunks as they come (text format) and keeps the result.
class CliSink : public engine::RequestSink {
 public:
  explicit CliSink(bool stream) : stream_(stream) {}

  void OnChunk(engine::GenerationChunk chunk) override {
    if (stream_ && !chunk.text.empty()) WriteStdout(chunk.text);
  }
  void OnDone(engine::GenerationResult result) override {
    absl::MutexLock lock(&mu_);
    result_ = std::move(result);
    done_ = true;
  }
  engine::GenerationResult Wait() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&done_));
    return std::move(result_);
  }

 private:
  const bool stream_;
  absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  engine::GenerationResult result_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::Status RunGenerate(int argc, char** argv) {
  std::vector<FlagSpec> flags = {
      {"model", false, "checkpoint directory"},
      {"prompt", false, "prompt text (BOS is prepended)"},
      {"chat", false, "chat JSON file (OpenAI-style messages)"},
      {"token-ids", false, "prompt token ids, used as given (no BOS added)"},
      {"thinking", true, "chat: enable thinking"},
      {"tools", false, "chat: JSON file with a list of tool declarations"},
      {"chat-template", false, "chat: force the small or large template"},
      {"image", false,
       "image file for the next <|image|> placeholder (repeatable)"},
      {"audio", false,
       "audio file for the next <|audio|> placeholder (repeatable)"},
      {"format", false, "text (default, streamed) or json"},
      {"threads", false, "CPU threads (default: all cores)"},
      {"kv-cache-tokens", false, "KV cache size in tokens (default 16384)"},
  };
  const std::vector<FlagSpec> gen_flags = GenerationFlagSpecs();
  flags.insert(flags.end(), gen_flags.begin(), gen_flags.end());
  absl::StatusOr<Args> args = ParseCommandArgs(
      argc, argv,
      "generate --model DIR (--prompt TEXT | --chat FILE.json | --token-ids "
      "2,17,...) [generation flags]",
      flags, {"stop", "image", "audio"});
  if (!args.ok()) {
    return HelpShown(args.status()) ? absl::OkStatus() : args.status();
  }
  GEMMA_ASSIGN_OR_RETURN(std::string model, args->Require("model"));
  GEMMA_ASSIGN_OR_RETURN(OutputFormat format, ParseFormat(*args));
  const int inputs =
      args->Has("prompt") + args->Has("chat") + args->Has("token-ids");
  if (inputs != 1) {
    return absl::InvalidArgumentError(
        "give exactly one of --prompt, --chat and --token-ids");
  }
  GEMMA_ASSIGN_OR_RETURN(engine::GenerationParams params,
                         ParseGenerationFlags(*args));
  GEMMA_ASSIGN_OR_RETURN(std::optional<int64_t> threads,
                         args->GetInt("threads"));
  GEMMA_ASSIGN_OR_RETURN(std::optional<int64_t> kv_tokens,
                         args->GetInt("kv-cache-tokens"));

  CliEngineOptions engine_options;
  engine_options.model_dir = model;
  engine_options.threads = static_cast<int>(threads.value_or(0));
  if (kv_tokens.has_value()) engine_options.kv_cache_tokens = *kv_tokens;
  const std::vector<std::string> images = args->GetAll("image");
  const std::vector<std::string> audio = args->GetAll("audio");
  if ((!images.empty() || !audio.empty()) && args->Has("token-ids")) {
    return absl::InvalidArgumentError(
        "--image/--audio go with --prompt or --chat, not --token-ids");
  }
  engine_options.load_vision = !images.empty();
  engine_options.load_audio = !audio.empty();
  GEMMA_ASSIGN_OR_RETURN(std::unique_ptr<engine::Engine> engine,
                         MakeCliEngine(engine_options));
  GEMMA_ASSIGN_OR_RETURN(const engine::Frontend* frontend,
                         engine->GetFrontend(kCliModelName));

  engine::PromptInput prompt;
  if (args->Has("prompt")) {
    GEMMA_ASSIGN_OR_RETURN(
        std::vector<engine::MediaBlob> media,
        LoadMediaInPromptOrder(args->Get("prompt"), images, audio));
    GEMMA_ASSIGN_OR_RETURN(prompt,
                           frontend->FromText(args->Get("prompt"), media));
  } else if (args->Has("token-ids")) {
    GEMMA_ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                           ParseIdList(args->Get("token-ids"), "--token-ids"));
    GEMMA_ASSIGN_OR_RETURN(prompt, frontend->FromTokenIds(ids));
  } else {
    GEMMA_ASSIGN_OR_RETURN(
        tokenizer::ChatRequest chat,
        LoadChatRequest(args->Get("chat"), args->Get("tools"),
                        args->Has("thinking")));
    std::unique_ptr<engine::Frontend> forced;
    if (args->Has("chat-template")) {
      GEMMA_ASSIGN_OR_RETURN(forced, MakeFrontend(model, frontend->tokenizer(),
                                                  args->Get("chat-template")));
      frontend = forced.get();
    }
    GEMMA_ASSIGN_OR_RETURN(std::string rendered, frontend->RenderChat(chat));
    GEMMA_ASSIGN_OR_RETURN(std::vector<engine::MediaBlob> media,
                           LoadMediaInPromptOrder(rendered, images, audio));
    GEMMA_ASSIGN_OR_RETURN(prompt, frontend->FromChat(chat, media));
  }

  auto sink = std::make_shared<CliSink>(format == OutputFormat::kText);
  engine::Request request;
  request.model = kCliModelName;
  request.prompts.push_back(std::move(prompt));
  request.params = params;
  request.sink = sink;
  GEMMA_RETURN_IF_ERROR(engine->Submit(std::move(request)));
  engine::GenerationResult result = sink->Wait();
  if (!result.status.ok()) return result.status;
  if (format == OutputFormat::kJson) {
    nlohmann::json out;
    out["token_ids"] = result.token_ids;
    out["text"] = result.text;
    out["finish_reason"] = FinishReasonName(result.finish_reason);
    WriteStdout(JsonDump(out) + "\n");
  } else {
    WriteStdout("\n");
  }
  return absl::OkStatus();
}

}  // namespace gemma::tools
