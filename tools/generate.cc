// gemma4 generate: runs one prompt through the in-process serving engine
// (the same engine::Engine the server uses) and streams the text. With
// --format json prints {"token_ids": [...], "text": "...", "finish_reason":
// "..."}, token_ids being the prompt followed by the generated ids (only the
// generated ids with --strip-prompt), like keras-hub's generate on token ids.
#include <cstdio>
#include <memory>
#include <set>
#include <string>
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
#include "tools/prompt_input.h"

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
  std::vector<FlagSpec> flags = {{"model", false, "checkpoint directory"}};
  const std::vector<FlagSpec> prompt_flags = PromptFlagSpecs();
  flags.insert(flags.end(), prompt_flags.begin(), prompt_flags.end());
  flags.push_back({"format", false, "text (default, streamed) or json"});
  flags.push_back({"threads", false, "CPU threads (default: all cores)"});
  flags.push_back(
      {"kv-cache-tokens", false, "KV cache size in tokens (default 16384)"});
  const std::vector<FlagSpec> gen_flags = GenerationFlagSpecs();
  flags.insert(flags.end(), gen_flags.begin(), gen_flags.end());
  std::set<std::string> repeatable = PromptRepeatableFlags();
  repeatable.insert("stop");
  absl::StatusOr<Args> args = ParseCommandArgs(
      argc, argv,
      "generate --model DIR (--prompt TEXT | --chat FILE.json | --token-ids "
      "2,17,...) [generation flags]",
      flags, repeatable);
  if (!args.ok()) {
    return HelpShown(args.status()) ? absl::OkStatus() : args.status();
  }
  GEMMA_ASSIGN_OR_RETURN(std::string model, args->Require("model"));
  GEMMA_ASSIGN_OR_RETURN(OutputFormat format, ParseFormat(*args));
  GEMMA_RETURN_IF_ERROR(CheckPromptFlags(*args));
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
  const MediaFiles media = PromptMediaFiles(*args);
  engine_options.load_vision = !media.images.empty() || !media.videos.empty();
  engine_options.load_audio = !media.audio.empty();
  GEMMA_ASSIGN_OR_RETURN(engine_options.audio_convention,
                         ParseAudioFeatures(*args));
  GEMMA_ASSIGN_OR_RETURN(std::unique_ptr<engine::Engine> engine,
                         MakeCliEngine(engine_options));
  GEMMA_ASSIGN_OR_RETURN(const engine::Frontend* frontend,
                         engine->GetFrontend(kCliModelName));

  GEMMA_ASSIGN_OR_RETURN(engine::PromptInput prompt,
                         BuildPromptInput(*args, model, *frontend));

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
    out["finish_reason"] = engine::FinishReasonName(result.finish_reason);
    WriteStdout(JsonDump(out) + "\n");
  } else {
    WriteStdout("\n");
  }
  return absl::OkStatus();
}

}  // namespace gemma::tools
