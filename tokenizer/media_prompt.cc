#include "tokenizer/media_prompt.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tokenizer/special_tokens.h"

namespace gemma::tokenizer {
namespace {

const char* KindName(MediaKind kind) {
  switch (kind) {
    case MediaKind::kImage:
      return "image";
    case MediaKind::kAudio:
      return "audio";
    case MediaKind::kVideo:
      return "video";
  }
  return "media";
}

// Builds token ids from alternating text and id runs; adjacent text is
// tokenized as one segment.
class PromptBuilder {
 public:
  explicit PromptBuilder(const Tokenizer& tokenizer) : tokenizer_(tokenizer) {}

  void Text(absl::string_view text) {
    pending_text_.append(text.data(), text.size());
  }
  void Id(int id) {
    FlushText();
    ids_.push_back(id);
  }
  int next_position() {
    FlushText();
    return static_cast<int>(ids_.size());
  }
  std::vector<int> Finish() {
    FlushText();
    return std::move(ids_);
  }

 private:
  void FlushText() {
    if (pending_text_.empty()) return;
    const std::vector<int> ids = tokenizer_.Encode(pending_text_);
    ids_.insert(ids_.end(), ids.begin(), ids.end());
    pending_text_.clear();
  }

  const Tokenizer& tokenizer_;
  std::string pending_text_;
  std::vector<int> ids_;
};

absl::Status RequireId(int id, absl::string_view token) {
  if (id >= 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "the tokenizer has no ", token, " piece, so it cannot hold media"));
}

}  // namespace

absl::StatusOr<MediaPrompt> TokenizeWithMedia(const Tokenizer& tokenizer,
                                              absl::string_view text,
                                              absl::Span<const MediaItem> items,
                                              bool add_bos) {
  const SpecialTokenIds& s = tokenizer.special_ids();
  MediaPrompt out;
  PromptBuilder builder(tokenizer);
  if (add_bos) {
    if (s.bos < 0) return RequireId(s.bos, kBosToken);
    builder.Id(s.bos);
  }
  size_t item_index = 0;
  while (!text.empty()) {
    // The earliest placeholder.
    size_t pos = absl::string_view::npos;
    MediaKind kind = MediaKind::kImage;
    absl::string_view marker;
    for (auto [m, k] : {std::make_pair(kImagePlaceholder, MediaKind::kImage),
                        std::make_pair(kAudioPlaceholder, MediaKind::kAudio),
                        std::make_pair(kVideoPlaceholder, MediaKind::kVideo)}) {
      const size_t p = text.find(m);
      if (p < pos) {
        pos = p;
        kind = k;
        marker = m;
      }
    }
    if (pos == absl::string_view::npos) {
      builder.Text(text);
      break;
    }
    builder.Text(text.substr(0, pos));
    text.remove_prefix(pos + marker.size());
    if (item_index >= items.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the prompt has more media placeholders than media items (",
          items.size(), ")"));
    }
    const MediaItem& item = items[item_index];
    if (item.kind != kind) {
      return absl::InvalidArgumentError(absl::StrCat(
          "placeholder ", item_index + 1, " is ", marker, " but media item ",
          item_index + 1, " is ", KindName(item.kind)));
    }
    std::vector<int> positions;
    if (kind == MediaKind::kVideo) {
      if (item.frame_timestamps.empty() || item.tokens_per_frame <= 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "video item ", item_index + 1,
            " needs at least one frame and a positive token count per frame"));
      }
      if (absl::Status st = RequireId(s.image_start, kImageStart); !st.ok())
        return st;
      if (absl::Status st = RequireId(s.image_end, kImageEnd); !st.ok())
        return st;
      if (absl::Status st = RequireId(s.video_placeholder, kVideoPlaceholder);
          !st.ok()) {
        return st;
      }
      for (size_t f = 0; f < item.frame_timestamps.size(); ++f) {
        if (f > 0) builder.Text(" ");
        builder.Text(absl::StrCat(item.frame_timestamps[f], " "));
        builder.Id(s.image_start);
        for (int t = 0; t < item.tokens_per_frame; ++t) {
          positions.push_back(builder.next_position());
          builder.Id(s.video_placeholder);
        }
        builder.Id(s.image_end);
      }
    } else {
      const bool image = kind == MediaKind::kImage;
      const int start = image ? s.image_start : s.audio_start;
      const int soft = image ? s.image_placeholder : s.audio_placeholder;
      const int end = image ? s.image_end : s.audio_end;
      if (item.num_tokens <= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(KindName(kind), " item ", item_index + 1,
                         " needs a positive number of soft tokens"));
      }
      if (absl::Status st = RequireId(start, image ? kImageStart : kAudioStart);
          !st.ok()) {
        return st;
      }
      if (absl::Status st = RequireId(soft, marker); !st.ok()) return st;
      if (absl::Status st = RequireId(end, image ? kImageEnd : kAudioEnd);
          !st.ok()) {
        return st;
      }
      builder.Id(start);
      for (int t = 0; t < item.num_tokens; ++t) {
        positions.push_back(builder.next_position());
        builder.Id(soft);
      }
      builder.Id(end);
    }
    out.soft_token_positions.push_back(std::move(positions));
    ++item_index;
  }
  if (item_index != items.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the prompt has ", item_index, " media placeholders but ",
                     items.size(), " media items were given"));
  }
  out.token_ids = builder.Finish();
  return out;
}

}  // namespace gemma::tokenizer
