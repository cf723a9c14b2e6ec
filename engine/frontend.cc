#include "engine/frontend.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"

namespace gemma::engine {
namespace {

constexpr absl::string_view kBosText = "<bos>";

absl::string_view KindName(MediaBlob::Kind kind) {
  switch (kind) {
    case MediaBlob::Kind::kImage:
      return "image";
    case MediaBlob::Kind::kAudio:
      return "audio";
    case MediaBlob::Kind::kVideo:
      return "video";
  }
  return "?";
}

absl::string_view PlaceholderOf(MediaBlob::Kind kind) {
  switch (kind) {
    case MediaBlob::Kind::kImage:
      return tokenizer::kImagePlaceholder;
    case MediaBlob::Kind::kAudio:
      return tokenizer::kAudioPlaceholder;
    case MediaBlob::Kind::kVideo:
      return tokenizer::kVideoPlaceholder;
  }
  return "?";
}

// The next media placeholder in `text` at or after `from` (npos if none),
// with its kind and length.
size_t FindPlaceholder(absl::string_view text, size_t from,
                       MediaBlob::Kind* kind, size_t* length) {
  size_t best = absl::string_view::npos;
  const std::pair<absl::string_view, MediaBlob::Kind> markers[] = {
      {tokenizer::kImagePlaceholder, MediaBlob::Kind::kImage},
      {tokenizer::kAudioPlaceholder, MediaBlob::Kind::kAudio},
      {tokenizer::kVideoPlaceholder, MediaBlob::Kind::kVideo}};
  for (const auto& [marker, k] : markers) {
    const size_t pos = text.find(marker, from);
    if (pos < best) {
      best = pos;
      *kind = k;
      *length = marker.size();
    }
  }
  return best;
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
  MediaSettings media;
  if (config.vision.has_value()) {
    media.image_soft_tokens = config.vision->default_soft_tokens;
  }
  media.audio = config.audio.has_value();
  media.audio_convention = options.audio_convention;
  auto frontend = std::unique_ptr<Frontend>(
      new Frontend(tokenizer, vocab > 0 ? vocab : tokenizer->vocab_size(),
                   std::move(tmpl), std::move(media)));
  frontend->limits_ = options.media_limits;
  return frontend;
}

Frontend::Frontend(const tokenizer::Tokenizer* tokenizer, int vocab_size,
                   tokenizer::ChatTemplate chat_template, MediaSettings media)
    : tokenizer_(tokenizer),
      vocab_size_(vocab_size),
      chat_template_(std::move(chat_template)),
      media_(std::move(media)) {}

absl::StatusOr<PreprocessedMedia> Frontend::Preprocess(const MediaBlob& blob,
                                                       size_t index) const {
  MediaSettings settings = media_;
  if (blob.kind == MediaBlob::Kind::kVideo) {
    // Sample no more frames than it takes to see a breach of the limit.
    settings.video.num_frames = static_cast<int>(std::min<int64_t>(
        settings.video.num_frames, int64_t{limits_.max_video_frames} + 1));
    settings.video.max_frame_pixels = limits_.max_image_pixels;
  }
  absl::StatusOr<PreprocessedMedia> out = PreprocessMedia(blob, settings);
  if (!out.ok()) {
    return absl::Status(
        out.status().code(),
        absl::StrCat("media item ", index, " (", KindName(blob.kind),
                     "): ", out.status().message()));
  }
  const int part = static_cast<int>(index);
  if (blob.kind == MediaBlob::Kind::kVideo &&
      static_cast<int64_t>(out->inputs.size()) > limits_.max_video_frames) {
    const int64_t sampled =
        std::min<int64_t>(out->source_frames, media_.video.num_frames);
    GEMMA_RETURN_IF_ERROR(
        CheckVideoFrames(part, sampled, out->source_frames, limits_));
  }
  for (const MediaInput& input : out->inputs) {
    GEMMA_RETURN_IF_ERROR(CheckAudioLength(part, input, limits_));
  }
  return out;
}

absl::StatusOr<PromptInput> Frontend::Tokenize(
    absl::string_view text, const std::vector<MediaBlob>& media, bool is_chat,
    MediaReport* report) const {
  GEMMA_RETURN_IF_ERROR(
      CheckMediaBlobs(media, limits_, media_.video.num_frames));
  if (report != nullptr) report->items.clear();
  // keras-hub prepends <bos> itself; a literal one would make two.
  if (absl::StartsWith(text, kBosText)) text.remove_prefix(kBosText.size());
  const tokenizer::SpecialTokenIds& special = tokenizer_->special_ids();
  PromptInput prompt;
  prompt.is_chat = is_chat;
  prompt.token_ids.push_back(special.bos);
  // Text up to the next marker id, tokenized as one piece.
  std::string pending;
  auto push_id = [&](int id) {
    if (!pending.empty()) {
      const std::vector<int> ids = tokenizer_->Encode(pending);
      prompt.token_ids.insert(prompt.token_ids.end(), ids.begin(), ids.end());
      pending.clear();
    }
    if (id >= 0) prompt.token_ids.push_back(id);
  };
  size_t pos = 0;
  size_t item = 0;
  while (true) {
    MediaBlob::Kind kind = MediaBlob::Kind::kImage;
    size_t length = 0;
    const size_t found = FindPlaceholder(text, pos, &kind, &length);
    if (found == absl::string_view::npos) break;
    if (item >= media.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the prompt has more media placeholders than media items: ",
          KindName(kind), " placeholder ", item + 1, " (",
          text.substr(found, length), ") has no ", KindName(kind),
          " attached; remove it or attach the media"));
    }
    if (media[item].kind != kind) {
      return absl::InvalidArgumentError(
          absl::StrCat("media item ", item, " is ", KindName(media[item].kind),
                       " but placeholder ", item + 1, " in the prompt is ",
                       text.substr(found, length)));
    }
    const absl::Time start = absl::Now();
    GEMMA_ASSIGN_OR_RETURN(PreprocessedMedia input,
                           Preprocess(media[item], item));
    MediaReport::Item reported;
    reported.kind = kind;
    reported.preprocess = absl::Now() - start;
    for (const MediaInput& m : input.inputs) {
      reported.soft_tokens += m.num_soft_tokens;
    }
    const bool video = kind == MediaBlob::Kind::kVideo;
    if (video) reported.frames = static_cast<int>(input.inputs.size());
    absl::StrAppend(&pending, text.substr(pos, found - pos));
    const bool audio = kind == MediaBlob::Kind::kAudio;
    const int start_id = audio ? special.audio_start : special.image_start;
    const int soft_id = video   ? special.video_placeholder
                        : audio ? special.audio_placeholder
                                : special.image_placeholder;
    const int end_id = audio ? special.audio_end : special.image_end;
    if (start_id < 0 || soft_id < 0 || end_id < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the tokenizer lacks the ", KindName(kind),
          " marker pieces, so this model cannot take ", KindName(kind)));
    }
    for (size_t f = 0; f < input.inputs.size(); ++f) {
      MediaInput& m = input.inputs[f];
      if (video) {
        // "MM:SS <|image>...<image|>", frames joined by one space.
        if (f > 0) pending.append(" ");
        absl::StrAppend(&pending, input.timestamps[f], " ");
      }
      push_id(start_id);
      m.first_token_index = static_cast<int>(prompt.token_ids.size());
      prompt.token_ids.insert(prompt.token_ids.end(), m.num_soft_tokens,
                              soft_id);
      push_id(end_id);
      prompt.media.push_back(std::move(m));
    }
    if (report != nullptr) report->items.push_back(reported);
    pos = found + length;
    ++item;
  }
  if (item < media.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("media item ", item, " (", KindName(media[item].kind),
                     ") has no placeholder in the prompt; put ",
                     PlaceholderOf(media[item].kind), " where it belongs"));
  }
  absl::StrAppend(&pending, text.substr(pos));
  push_id(-1);
  return prompt;
}

absl::StatusOr<PromptInput> Frontend::FromText(
    absl::string_view text, const std::vector<MediaBlob>& media,
    MediaReport* report) const {
  return Tokenize(text, media, /*is_chat=*/false, report);
}

absl::StatusOr<std::string> Frontend::RenderChat(
    const tokenizer::ChatRequest& chat) const {
  if (chat.messages.empty()) {
    return absl::InvalidArgumentError("the chat has no messages");
  }
  return chat_template_.Render(chat);
}

absl::StatusOr<PromptInput> Frontend::FromChat(
    const tokenizer::ChatRequest& chat, const std::vector<MediaBlob>& media,
    MediaReport* report) const {
  if (chat.messages.empty()) {
    return absl::InvalidArgumentError("the chat has no messages");
  }
  tokenizer::ChatRenderOptions options;
  options.include_bos = false;  // Tokenize prepends the BOS id.
  GEMMA_ASSIGN_OR_RETURN(std::string text,
                         chat_template_.Render(chat, options));
  return Tokenize(text, media, /*is_chat=*/true, report);
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
