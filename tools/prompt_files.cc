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
    absl::string_view text, const MediaFiles& files) {
  struct KindFiles {
    absl::string_view marker;
    engine::MediaBlob::Kind kind;
    const std::vector<std::string>* paths;
    size_t next = 0;
  };
  KindFiles kinds[] = {
      {"<|image|>", engine::MediaBlob::Kind::kImage, &files.images},
      {"<|audio|>", engine::MediaBlob::Kind::kAudio, &files.audio},
      {"<|video|>", engine::MediaBlob::Kind::kVideo, &files.videos},
  };
  std::vector<engine::MediaBlob> media;
  auto load_next = [&media](KindFiles& k) -> absl::Status {
    engine::MediaBlob blob;
    blob.kind = k.kind;
    GEMMA_ASSIGN_OR_RETURN(blob.bytes, ReadFileToString((*k.paths)[k.next]));
    ++k.next;
    media.push_back(std::move(blob));
    return absl::OkStatus();
  };
  size_t pos = 0;
  while (true) {
    // The kind whose placeholder comes first from `pos` on.
    KindFiles* first = nullptr;
    size_t first_at = absl::string_view::npos;
    for (KindFiles& k : kinds) {
      const size_t at = text.find(k.marker, pos);
      if (at < first_at) {
        first_at = at;
        first = &k;
      }
    }
    if (first == nullptr) break;
    pos = first_at + first->marker.size();
    if (first->next < first->paths->size()) {
      GEMMA_RETURN_IF_ERROR(load_next(*first));
    }
  }
  for (KindFiles& k : kinds) {
    while (k.next < k.paths->size()) GEMMA_RETURN_IF_ERROR(load_next(k));
  }
  return media;
}

}  // namespace gemma::tools
