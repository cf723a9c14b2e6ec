// The prompt flags `gemma4 generate` and `gemma4 score` share, and turning
// them into the engine's PromptInput through the model's front end (the
// same preprocessing the server applies): --prompt TEXT (BOS prepended),
// --chat FILE.json (the chat template), or --token-ids (as given), with
// --image/--audio/--video files for the prompt's placeholders.
// Thread-safety: pure functions.
#ifndef GEMMA_TOOLS_PROMPT_INPUT_H_
#define GEMMA_TOOLS_PROMPT_INPUT_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/frontend.h"
#include "engine/request.h"
#include "preprocess/audio_features.h"
#include "tools/args.h"
#include "tools/prompt_files.h"

namespace gemma::tools {

// --prompt, --chat, --token-ids, --thinking, --tools, --chat-template,
// --image, --audio, --video, --audio-features.
std::vector<FlagSpec> PromptFlagSpecs();
// The repeatable ones: image, audio, video.
std::set<std::string> PromptRepeatableFlags();

// Checks the prompt flags before any model is loaded: exactly one of
// --prompt, --chat and --token-ids; media files only with --prompt or
// --chat. INVALID_ARGUMENT saying what to change.
absl::Status CheckPromptFlags(const Args& args);

// The --image, --audio and --video files.
MediaFiles PromptMediaFiles(const Args& args);

// --audio-features: "hf" (default; the checkpoint's Hugging Face feature
// extractor) or "keras-hub" (keras-hub's audio converter): the log-mel
// convention, and so an audio clip's soft-token count.
absl::StatusOr<preprocess::AudioFeatureConvention> ParseAudioFeatures(
    const Args& args);

// Builds the prompt with `frontend` (the model's own; a --chat-template
// variant makes a front end of that variant over the same tokenizer).
// `model_dir` is the checkpoint directory. Placeholder/media mismatches,
// undecodable media and out-of-vocabulary ids are INVALID_ARGUMENT.
absl::StatusOr<engine::PromptInput> BuildPromptInput(
    const Args& args, const std::string& model_dir,
    const engine::Frontend& frontend);

}  // namespace gemma::tools

#endif  // GEMMA_TOOLS_PROMPT_INPUT_H_
