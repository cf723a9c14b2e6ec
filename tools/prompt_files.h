// Reading the CLI's prompt inputs: chat JSON files (+ a tools file and the
// thinking switch), media files in placeholder order, and the model's front
// end with an optional forced chat-template variant.
// Thread-safety: pure functions.
#ifndef GEMMA_TOOLS_PROMPT_FILES_H_
#define GEMMA_TOOLS_PROMPT_FILES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/frontend.h"
#include "tokenizer/chat_types.h"
#include "tokenizer/tokenizer.h"

namespace gemma::tools {

// Parses the chat file (an OpenAI-style request object or a bare list of
// messages); `tools_path` (may be "") holds a JSON list of tools that
// replaces the file's; `thinking` turns thinking on.
absl::StatusOr<tokenizer::ChatRequest> LoadChatRequest(
    const std::string& chat_path, const std::string& tools_path, bool thinking);

// The front end of the checkpoint in `model_dir`. With `variant` ("small" /
// "large") the chat template is forced and the checkpoint's config is not
// read; otherwise the config (family) and its chat_template.jinja decide.
absl::StatusOr<std::unique_ptr<engine::Frontend>> MakeFrontend(
    const std::string& model_dir, const tokenizer::Tokenizer& tokenizer,
    const std::string& variant);

// The media files of a prompt, per kind, each in its given order.
struct MediaFiles {
  std::vector<std::string> images;  // --image
  std::vector<std::string> audio;   // --audio
  std::vector<std::string> videos;  // --video
  bool empty() const {
    return images.empty() && audio.empty() && videos.empty();
  }
};

// Reads the files and orders them as the <|image|>, <|audio|> and
// <|video|> placeholders of `text` take them (each kind in its given order;
// a video is passed as its encoded bytes). Files beyond the placeholders
// are appended, for the front end to report the mismatch.
absl::StatusOr<std::vector<engine::MediaBlob>> LoadMediaInPromptOrder(
    absl::string_view text, const MediaFiles& files);

}  // namespace gemma::tools

#endif  // GEMMA_TOOLS_PROMPT_FILES_H_
