// gemma4 score: one full forward pass of the model over a whole prompt
// (token ids as given, or text/chat with media through the model's front
// end, as `gemma4 generate` prepares them), writing the logits of every
// position, after the final soft cap, as a float32 [T, vocab] .npy file —
// the quantity the golden fixtures' prompt*_logits.npy hold.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "tools/cli_scorer.h"
#include "tools/commands.h"
#include "tools/common.h"
#include "tools/npy_writer.h"
#include "tools/prompt_input.h"

namespace gemma::tools {
namespace {

// Refuses an --output whose directory is missing or not writable before
// the model is loaded and run.
absl::Status CheckOutputPath(const std::string& output) {
  if (output.empty() || output.back() == '/') {
    return absl::InvalidArgumentError("--output must name a file");
  }
  const size_t slash = output.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : output.substr(0, slash);
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--output ", output, ": the directory ", dir, " does not exist"));
  }
  if (access(dir.c_str(), W_OK) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--output ", output, ": the directory ", dir, " is not writable"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RunScore(int argc, char** argv) {
  std::vector<FlagSpec> flags = {{"model", false, "checkpoint directory"}};
  const std::vector<FlagSpec> prompt_flags = PromptFlagSpecs();
  flags.insert(flags.end(), prompt_flags.begin(), prompt_flags.end());
  flags.push_back(
      {"output", false, "the .npy file to write: float32 logits [T, vocab]"});
  flags.push_back({"threads", false, "CPU threads (default: all cores)"});
  flags.push_back({"chunk-tokens", false,
                   "positions per forward pass (default 0: the whole "
                   "prompt in one pass); bounds memory for long prompts"});
  flags.push_back({"format", false,
                   "text (default) or json: the summary printed on stdout"});
  absl::StatusOr<Args> args = ParseCommandArgs(
      argc, argv,
      "score --model DIR (--prompt TEXT | --chat FILE.json | --token-ids "
      "2,17,...) [--image FILE]... [--audio FILE]... [--video FILE]... "
      "--output LOGITS.npy [--threads N] [--chunk-tokens N]",
      flags, PromptRepeatableFlags());
  if (!args.ok()) {
    return HelpShown(args.status()) ? absl::OkStatus() : args.status();
  }
  GEMMA_ASSIGN_OR_RETURN(std::string model, args->Require("model"));
  GEMMA_ASSIGN_OR_RETURN(std::string output, args->Require("output"));
  GEMMA_RETURN_IF_ERROR(CheckOutputPath(output));
  GEMMA_ASSIGN_OR_RETURN(OutputFormat format, ParseFormat(*args));
  GEMMA_RETURN_IF_ERROR(CheckPromptFlags(*args));
  GEMMA_ASSIGN_OR_RETURN(std::optional<int64_t> threads,
                         args->GetInt("threads"));
  if (threads.has_value() && (*threads < 0 || *threads > 4096)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--threads must be in [0, 4096], got ", *threads));
  }
  GEMMA_ASSIGN_OR_RETURN(std::optional<int64_t> chunk,
                         args->GetInt("chunk-tokens"));
  if (chunk.has_value() && (*chunk < 0 || *chunk > (int64_t{1} << 30))) {
    return absl::InvalidArgumentError(
        absl::StrCat("--chunk-tokens must be >= 0, got ", *chunk));
  }

  CliScorerOptions options;
  options.model_dir = model;
  options.threads = static_cast<int>(threads.value_or(0));
  const MediaFiles media = PromptMediaFiles(*args);
  options.load_vision = !media.images.empty() || !media.videos.empty();
  options.load_audio = !media.audio.empty();
  GEMMA_ASSIGN_OR_RETURN(options.audio_convention, ParseAudioFeatures(*args));
  GEMMA_ASSIGN_OR_RETURN(std::unique_ptr<CliScorer> scorer,
                         CliScorer::Create(options));
  GEMMA_ASSIGN_OR_RETURN(engine::PromptInput prompt,
                         BuildPromptInput(*args, model, scorer->frontend()));
  const int rows = static_cast<int>(prompt.token_ids.size());
  const int vocab = scorer->vocab_size();
  GEMMA_ASSIGN_OR_RETURN(std::unique_ptr<NpyFloat32Writer> writer,
                         NpyFloat32Writer::Create(output, {rows, vocab}));
  GEMMA_RETURN_IF_ERROR(
      scorer->Score(prompt, static_cast<int>(chunk.value_or(0)),
                    [&writer](absl::Span<const float> logits) {
                      return writer->Append(logits);
                    }));
  GEMMA_RETURN_IF_ERROR(writer->Finish());
  if (format == OutputFormat::kJson) {
    nlohmann::json out;
    out["token_ids"] = prompt.token_ids;
    out["shape"] = {rows, vocab};
    out["output"] = output;
    WriteStdout(JsonDump(out) + "\n");
  } else {
    WriteStdout(absl::StrCat("wrote ", output, ": float32 logits [", rows, ", ",
                             vocab, "]\n"));
  }
  return absl::OkStatus();
}

}  // namespace gemma::tools
