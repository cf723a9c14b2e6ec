#include "tools/prompt_files.h"

#include "absl/strings/str_cat.h"
#include "base/mapped_file.h"
#include "base/status_macros.h"
#include "model/checkpoint/checkpoint.h"
#include "tokenizer/chat_json.h"

namespace gemma::tools {
namespace {

absl::StatusOr<tokenizer::OrderedJson> ReadJsonFile(const std::string& path) {
  GEMMA_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  tokenizer::OrderedJson j =
      tokenizer::OrderedJson::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not valid JSON"));
  }
  return j;
}

}  // namespace

absl::StatusOr<tokenizer::ChatRequest> LoadChatRequest(
    const std::string& chat_path, const std::string& tools_path,
    bool thinking) {
  GEMMA_ASSIGN_OR_RETURN(tokenizer::OrderedJson chat, ReadJsonFile(chat_path));
  if (chat.is_array()) {
    tokenizer::OrderedJson wrapped = tokenizer::OrderedJson::object();
    wrapped["messages"] = std::move(chat);
    chat = std::move(wrapped);
  }
  if (!tools_path.empty()) {
    GEMMA_ASSIGN_OR_RETURN(tokenizer::OrderedJson tools,
                           ReadJsonFile(tools_path));
    if (tools.is_object() && tools.contains("tools")) {
      tools = tools["tools"];
    }
    if (!tools.is_array()) {
      return absl::InvalidArgumentError(absl::StrCat(
          tools_path,
          " must hold a JSON list of tools (or {\"tools\": [...]})"));
    }
    if (chat.is_object()) chat["tools"] = std::move(tools);
  }
  absl::StatusOr<tokenizer::ChatRequest> request =
      tokenizer::ParseChatJson(chat.dump());
  if (!request.ok()) {
    return absl::Status(
        request.status().code(),
        absl::StrCat(chat_path, ": ", request.status().message()));
  }
  if (thinking) request->enable_thinking = true;
  return request;
}

absl::StatusOr<std::unique_ptr<engine::Frontend>> MakeFrontend(
    const std::string& model_dir, const tokenizer::Tokenizer& tokenizer,
    const std::string& variant) {
  engine::FrontendOptions options;
  model::ModelConfig config;
  if (!variant.empty()) {
    if (variant == "small") {
      options.chat_template_variant = tokenizer::ChatTemplateVariant::kSmall;
    } else if (variant == "large") {
      options.chat_template_variant = tokenizer::ChatTemplateVariant::kLarge;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "--chat-template must be small or large, got '", variant, "'"));
    }
  } else {
    GEMMA_ASSIGN_OR_RETURN(std::unique_ptr<model::Checkpoint> ckpt,
                           model::LoadCheckpoint(model_dir));
    config = ckpt->config;
    options.chat_template_path = ckpt->tokenizer.chat_template;
  }
  return engine::Frontend::Create(&tokenizer, config, options);
}

absl::StatusOr<std::vector<engine::MediaBlob>> LoadMediaInPromptOrder(
    absl::string_view text, const std::vector<std::string>& image_paths,
    const std::vector<std::string>& audio_paths) {
  auto load =
      [](const std::string& path,
         engine::MediaBlob::Kind kind) -> absl::StatusOr<engine::MediaBlob> {
    engine::MediaBlob blob;
    blob.kind = kind;
    GEMMA_ASSIGN_OR_RETURN(blob.bytes, ReadFileToString(path));
    return blob;
  };
  std::vector<engine::MediaBlob> media;
  size_t next_image = 0, next_audio = 0, pos = 0;
  const absl::string_view image_marker = "<|image|>";
  const absl::string_view audio_marker = "<|audio|>";
  while (true) {
    const size_t image = text.find(image_marker, pos);
    const size_t audio = text.find(audio_marker, pos);
    if (image == absl::string_view::npos && audio == absl::string_view::npos) {
      break;
    }
    if (image < audio) {
      pos = image + image_marker.size();
      if (next_image < image_paths.size()) {
        GEMMA_ASSIGN_OR_RETURN(
            media.emplace_back(),
            load(image_paths[next_image++], engine::MediaBlob::Kind::kImage));
      }
    } else {
      pos = audio + audio_marker.size();
      if (next_audio < audio_paths.size()) {
        GEMMA_ASSIGN_OR_RETURN(
            media.emplace_back(),
            load(audio_paths[next_audio++], engine::MediaBlob::Kind::kAudio));
      }
    }
  }
  for (; next_image < image_paths.size(); ++next_image) {
    GEMMA_ASSIGN_OR_RETURN(
        media.emplace_back(),
        load(image_paths[next_image], engine::MediaBlob::Kind::kImage));
  }
  for (; next_audio < audio_paths.size(); ++next_audio) {
    GEMMA_ASSIGN_OR_RETURN(
        media.emplace_back(),
        load(audio_paths[next_audio], engine::MediaBlob::Kind::kAudio));
  }
  return media;
}

}  // namespace gemma::tools
