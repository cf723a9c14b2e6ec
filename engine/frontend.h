// The per-model front end: turns what a caller sends (a prompt string, chat
// messages, or raw token ids) into the PromptInput the engine runs, with the
// model's tokenizer, chat-template variant and placeholder rules.
//
// Prompt forms:
//  (a) Text: keras-hub's generate on a string (spec §5.2): the text is
//      tokenized and <bos> prepended. A leading literal "<bos>" in the text
//      is dropped first (keras-hub would give a double <bos>, §5.2.7).
//      Media placeholders (<|image|>, <|audio|>, <|video|>) are refused when
//      no media item goes with them (keras-hub would silently expand them to
//      plain-text placeholder runs; §5.2 advises a server to refuse).
//  (b) Chat: rendered with the model's chat template (small for E2B/E4B,
//      large for 26B/31B; §6.5), then tokenized like (a) — the template's
//      own <bos> is the one BOS. PromptInput::is_chat is set, so "auto"
//      stop ids include the chat ones (§6.5.8).
//  (c) Token ids: used exactly as given, no BOS added (keras-hub's generate
//      on token-id input uses them as given); ids are range-checked.
// Media (text and chat forms): the i-th placeholder of the prompt text
// (<|image|> / <|audio|> / <|video|>, in order) takes the i-th media item,
// whose kind must match; each image or audio placeholder becomes
// <|image>/<|audio> + n soft-token placeholders + <image|>/<audio|>, n being
// the item's own soft-token count (Hugging Face placement,
// frontend_media.h), and the item's first_token_index points at its first
// soft-token placeholder. A <|video|> becomes, for each sampled frame
// (frontend_video.h), "MM:SS " + <|image> + n x <|video|> + <image|>, frames
// joined by one space (spec §5.1, HF replace_video_token); each frame is one
// PromptInput::media entry (kind kVideoFrame). Text between markers is
// tokenized as one piece, as when tokenizing the expanded prompt. A model
// without the tower, a breached limit (media_limits.h) or a count mismatch
// gives INVALID_ARGUMENT.
// Thread-safety: immutable after Create; all methods are const and may be
// called concurrently.
#ifndef GEMMA_ENGINE_FRONTEND_H_
#define GEMMA_ENGINE_FRONTEND_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/frontend_media.h"
#include "engine/media_limits.h"
#include "engine/request.h"
#include "model/config.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/chat_types.h"
#include "tokenizer/tokenizer.h"

namespace gemma::engine {

struct FrontendOptions {
  // The checkpoint's chat_template.jinja ("" if none): identifies the
  // variant by its hash (tokenizer/chat_template.h).
  std::string chat_template_path;
  // Forces the variant; unset: from the file, else from the model family.
  std::optional<tokenizer::ChatTemplateVariant> chat_template_variant;
  // Log-mel convention for audio (and so its token count): the
  // checkpoint's own (Hugging Face) processor, or keras-hub's converter.
  preprocess::AudioFeatureConvention audio_convention =
      preprocess::AudioFeatureConvention::kHuggingFace;
  // Per-request media limits (parts, image pixels, audio seconds, video
  // frames); a breach is INVALID_ARGUMENT naming the limit's flag.
  MediaLimits media_limits;
};

// What the media preprocessing of one prompt did, per media item in
// placeholder order (the server records it as metrics).
struct MediaReport {
  struct Item {
    MediaBlob::Kind kind = MediaBlob::Kind::kImage;
    absl::Duration preprocess;  // Decoding and processing the item.
    int soft_tokens = 0;        // For a video, all its frames'.
    int frames = 0;             // Video: sampled frames; otherwise 0.
  };
  std::vector<Item> items;
};

class Frontend {
 public:
  // `tokenizer` must outlive the front end.
  static absl::StatusOr<std::unique_ptr<Frontend>> Create(
      const tokenizer::Tokenizer* tokenizer, const model::ModelConfig& config,
      const FrontendOptions& options = {});

  const tokenizer::Tokenizer& tokenizer() const { return *tokenizer_; }
  const tokenizer::ChatTemplate& chat_template() const {
    return chat_template_;
  }
  int vocab_size() const { return vocab_size_; }

  // (a) A prompt string (+ media in placeholder order). `report` (may be
  // null) receives what the media preprocessing did.
  absl::StatusOr<PromptInput> FromText(absl::string_view text,
                                       const std::vector<MediaBlob>& media = {},
                                       MediaReport* report = nullptr) const;
  // (b) Chat messages: the rendered prompt text (with its <bos>), exactly
  // as the template writes it.
  absl::StatusOr<std::string> RenderChat(
      const tokenizer::ChatRequest& chat) const;
  absl::StatusOr<PromptInput> FromChat(const tokenizer::ChatRequest& chat,
                                       const std::vector<MediaBlob>& media = {},
                                       MediaReport* report = nullptr) const;
  // (c) Token ids, as given.
  absl::StatusOr<PromptInput> FromTokenIds(
      const std::vector<int32_t>& ids) const;

  // Prompt tokens of each form, BOS included where the form adds one.
  absl::StatusOr<int> CountTextTokens(absl::string_view text) const;
  absl::StatusOr<int> CountChatTokens(const tokenizer::ChatRequest& chat) const;

 private:
  Frontend(const tokenizer::Tokenizer* tokenizer, int vocab_size,
           tokenizer::ChatTemplate chat_template, MediaSettings media);
  // Tokenizes prompt text, prepending <bos>.
  absl::StatusOr<PromptInput> Tokenize(absl::string_view text,
                                       const std::vector<MediaBlob>& media,
                                       bool is_chat, MediaReport* report) const;
  // Preprocesses media item `index` and checks it against the limits.
  absl::StatusOr<PreprocessedMedia> Preprocess(const MediaBlob& blob,
                                               size_t index) const;

  const tokenizer::Tokenizer* tokenizer_;
  int vocab_size_;
  tokenizer::ChatTemplate chat_template_;
  MediaSettings media_;
  MediaLimits limits_;
};

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_FRONTEND_H_
