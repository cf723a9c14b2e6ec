#include "engine/frontend.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace gemma::engine {
namespace {

constexpr absl::string_view kBosText = "<bos>";

absl::Status MediaNotSupported() {
  return absl::InvalidArgumentError(
      "media not supported by this model: image/audio/video inputs need the "
      "media preprocessing path, which this server build does not provide");
}

// The placeholder strings that stand for a media item in prompt text.
absl::Status CheckNoPlaceholders(absl::string_view text) {
  for (absl::string_view marker :
       {tokenizer::kImagePlaceholder, tokenizer::kAudioPlaceholder,
        tokenizer::kVideoPlaceholder}) {
    if (absl::StrContains(text, marker)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the prompt contains the media placeholder ", marker,
          " but no media item goes with it; remove it or attach the media"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Frontend>> Frontend::Create(
    const tokenizer::Tokenizer* tokenizer, const model::ModelConfig& config,
    const FrontendOptions& options) {
  if (tokenizer == nullptr) {
    return absl::InvalidArgumentError("Frontend needs a tokenizer");
  }
  if (tokenizer->special_ids().bos < 0) {
    return absl::InvalidArgumentError(
        "the tokenizer has no <bos> piece; it cannot be a Gemma 4 tokenizer");
  }
  const int vocab = config.text.vocab_size;
  if (vocab > 0 && tokenizer->vocab_size() > vocab) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the tokenizer has ", tokenizer->vocab_size(),
        " pieces but the model's vocabulary has only ", vocab,
        " rows; the tokenizer does not belong to this checkpoint"));
  }
  tokenizer::ChatTemplate tmpl =
      tokenizer::ChatTemplate::ForFamily(config.family);
  if (!options.chat_template_path.empty()) {
    GEMMA_ASSIGN_OR_RETURN(
        tmpl, tokenizer::ChatTemplate::FromJinjaFile(options.chat_template_path,
                                                     config.family));
  }
  if (options.chat_template_variant.has_value()) {
    tmpl = tokenizer::ChatTemplate(*options.chat_template_variant);
  }
  return std::unique_ptr<Frontend>(new Frontend(
      tokenizer, vocab > 0 ? vocab : tokenizer->vocab_size(), std::move(tmpl)));
}

Frontend::Frontend(const tokenizer::Tokenizer* tokenizer, int vocab_size,
                   tokenizer::ChatTemplate chat_template)
    : tokenizer_(tokenizer),
      vocab_size_(vocab_size),
      chat_template_(std::move(chat_template)) {}

absl::StatusOr<PromptInput> Frontend::Tokenize(
    absl::string_view text, const std::vector<MediaBlob>& media,
    bool is_chat) const {
  if (!media.empty()) return MediaNotSupported();
  GEMMA_RETURN_IF_ERROR(CheckNoPlaceholders(text));
  // keras-hub prepends <bos> itself; a literal one would make two.
  if (absl::StartsWith(text, kBosText)) text.remove_prefix(kBosText.size());
  PromptInput prompt;
  prompt.is_chat = is_chat;
  const std::vector<int> ids = tokenizer_->Encode(text);
  prompt.token_ids.reserve(ids.size() + 1);
  prompt.token_ids.push_back(tokenizer_->special_ids().bos);
  prompt.token_ids.insert(prompt.token_ids.end(), ids.begin(), ids.end());
  return prompt;
}

absl::StatusOr<PromptInput> Frontend::FromText(
    absl::string_view text, const std::vector<MediaBlob>& media) const {
  return Tokenize(text, media, /*is_chat=*/false);
}

absl::StatusOr<std::string> Frontend::RenderChat(
    const tokenizer::ChatRequest& chat) const {
  if (chat.messages.empty()) {
    return absl::InvalidArgumentError("the chat has no messages");
  }
  return chat_template_.Render(chat);
}

absl::StatusOr<PromptInput> Frontend::FromChat(
    const tokenizer::ChatRequest& chat,
    const std::vector<MediaBlob>& media) const {
  if (!media.empty()) return MediaNotSupported();
  if (chat.messages.empty()) {
    return absl::InvalidArgumentError("the chat has no messages");
  }
  for (const tokenizer::ChatMessage& m : chat.messages) {
    for (const tokenizer::ContentPart& part : m.content.parts) {
      if (part.type != "text" && !part.type.empty()) {
        // Media parts render as placeholders that nothing would fill.
        if (part.type == "image" || part.type == "image_url" ||
            part.type == "audio" || part.type == "input_audio" ||
            part.type == "video") {
          return MediaNotSupported();
        }
      }
    }
  }
  tokenizer::ChatRenderOptions options;
  options.include_bos = false;  // The BOS id is prepended below.
  GEMMA_ASSIGN_OR_RETURN(std::string text,
                         chat_template_.Render(chat, options));
  PromptInput prompt;
  prompt.is_chat = true;
  const std::vector<int> ids = tokenizer_->Encode(text);
  prompt.token_ids.reserve(ids.size() + 1);
  prompt.token_ids.push_back(tokenizer_->special_ids().bos);
  prompt.token_ids.insert(prompt.token_ids.end(), ids.begin(), ids.end());
  return prompt;
}

absl::StatusOr<PromptInput> Frontend::FromTokenIds(
    const std::vector<int32_t>& ids) const {
  if (ids.empty()) {
    return absl::InvalidArgumentError("the token-id prompt is empty");
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= vocab_size_) {
      return absl::InvalidArgumentError(
          absl::StrCat("prompt token ", i, " has id ", ids[i],
                       ", outside the vocabulary [0, ", vocab_size_, ")"));
    }
  }
  PromptInput prompt;
  prompt.token_ids = ids;
  return prompt;
}

absl::StatusOr<int> Frontend::CountTextTokens(absl::string_view text) const {
  GEMMA_ASSIGN_OR_RETURN(PromptInput p, FromText(text));
  return static_cast<int>(p.token_ids.size());
}

absl::StatusOr<int> Frontend::CountChatTokens(
    const tokenizer::ChatRequest& chat) const {
  GEMMA_ASSIGN_OR_RETURN(PromptInput p, FromChat(chat));
  return static_cast<int>(p.token_ids.size());
}

}  // namespace gemma::engine
