#include "tools/prompt_input.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace gemma::tools {

std::vector<FlagSpec> PromptFlagSpecs() {
  return {
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
      {"video", false,
       "video file for the next <|video|> placeholder (repeatable)"},
      {"audio-features", false,
       "audio log-mel convention: hf (default) or keras-hub"},
  };
}

std::set<std::string> PromptRepeatableFlags() {
  return {"image", "audio", "video"};
}

absl::Status CheckPromptFlags(const Args& args) {
  const int inputs =
      args.Has("prompt") + args.Has("chat") + args.Has("token-ids");
  if (inputs != 1) {
    return absl::InvalidArgumentError(
        "give exactly one of --prompt, --chat and --token-ids");
  }
  if (!PromptMediaFiles(args).empty() && args.Has("token-ids")) {
    return absl::InvalidArgumentError(
        "--image/--audio/--video go with --prompt or --chat, not "
        "--token-ids");
  }
  return absl::OkStatus();
}

MediaFiles PromptMediaFiles(const Args& args) {
  MediaFiles files;
  files.images = args.GetAll("image");
  files.audio = args.GetAll("audio");
  files.videos = args.GetAll("video");
  return files;
}

absl::StatusOr<preprocess::AudioFeatureConvention> ParseAudioFeatures(
    const Args& args) {
  const std::string value = args.Get("audio-features", "hf");
  if (value == "hf") return preprocess::AudioFeatureConvention::kHuggingFace;
  if (value == "keras-hub")
    return preprocess::AudioFeatureConvention::kKerasHub;
  return absl::InvalidArgumentError(absl::StrCat(
      "--audio-features must be hf or keras-hub, got '", value, "'"));
}

absl::StatusOr<engine::PromptInput> BuildPromptInput(
    const Args& args, const std::string& model_dir,
    const engine::Frontend& frontend) {
  GEMMA_RETURN_IF_ERROR(CheckPromptFlags(args));
  const MediaFiles files = PromptMediaFiles(args);
  if (args.Has("prompt")) {
    GEMMA_ASSIGN_OR_RETURN(std::vector<engine::MediaBlob> media,
                           LoadMediaInPromptOrder(args.Get("prompt"), files));
    return frontend.FromText(args.Get("prompt"), media);
  }
  if (args.Has("token-ids")) {
    GEMMA_ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                           ParseIdList(args.Get("token-ids"), "--token-ids"));
    return frontend.FromTokenIds(ids);
  }
  GEMMA_ASSIGN_OR_RETURN(tokenizer::ChatRequest chat,
                         LoadChatRequest(args.Get("chat"), args.Get("tools"),
                                         args.Has("thinking")));
  const engine::Frontend* chat_frontend = &frontend;
  std::unique_ptr<engine::Frontend> forced;
  if (args.Has("chat-template")) {
    GEMMA_ASSIGN_OR_RETURN(forced, MakeFrontend(model_dir, frontend.tokenizer(),
                                                args.Get("chat-template")));
    chat_frontend = forced.get();
  }
  GEMMA_ASSIGN_OR_RETURN(std::string rendered, chat_frontend->RenderChat(chat));
  GEMMA_ASSIGN_OR_RETURN(std::vector<engine::MediaBlob> media,
                         LoadMediaInPromptOrder(rendered, files));
  return chat_frontend->FromChat(chat, media);
}

}  // namespace gemma::tools
