#include "server/media_conversion.h"

#include <utility>

#include "server/request_validation.h"

namespace gemma::server {

engine::MediaBlob ToMediaBlob(engine::MediaBlob::Kind kind,
                              const gemma4::v1::Media& media) {
  engine::MediaBlob blob;
  blob.kind = kind;
  blob.bytes = media.data();
  blob.mime_type = media.mime_type();
  if (kind == engine::MediaBlob::Kind::kVideo) {
    blob.frames.assign(media.frames().begin(), media.frames().end());
    blob.fps = media.frames_per_second();
  }
  return blob;
}

std::vector<engine::MediaBlob> TextPromptMedia(
    const gemma4::v1::TextPrompt& text) {
  using Kind = engine::MediaBlob::Kind;
  struct Marker {
    absl::string_view text;
    Kind kind;
    const google::protobuf::RepeatedPtrField<gemma4::v1::Media>* items;
    int next = 0;
  };
  Marker markers[] = {{kImagePlaceholder, Kind::kImage, &text.images()},
                      {kAudioPlaceholder, Kind::kAudio, &text.audio()},
                      {kVideoPlaceholder, Kind::kVideo, &text.videos()}};
  std::vector<engine::MediaBlob> media;
  const std::string& s = text.text();
  size_t pos = 0;
  while (true) {
    Marker* first = nullptr;
    size_t at = std::string::npos;
    for (Marker& m : markers) {
      const size_t p = s.find(m.text.data(), pos, m.text.size());
      if (p < at) {
        at = p;
        first = &m;
      }
    }
    if (first == nullptr) break;
    if (first->next < first->items->size()) {
      media.push_back(ToMediaBlob(first->kind, first->items->Get(first->next)));
      ++first->next;
    }
    pos = at + first->text.size();
  }
  return media;
}

std::optional<PartMedia> ContentPartMedia(const gemma4::v1::ContentPart& part) {
  using Kind = engine::MediaBlob::Kind;
  switch (part.kind_case()) {
    case gemma4::v1::ContentPart::kImage:
      return PartMedia{"image", ToMediaBlob(Kind::kImage, part.image())};
    case gemma4::v1::ContentPart::kAudio:
      return PartMedia{"audio", ToMediaBlob(Kind::kAudio, part.audio())};
    case gemma4::v1::ContentPart::kVideo:
      return PartMedia{"video", ToMediaBlob(Kind::kVideo, part.video())};
    default:
      return std::nullopt;
  }
}

absl::string_view ModalityName(engine::MediaBlob::Kind kind) {
  switch (kind) {
    case engine::MediaBlob::Kind::kImage:
      return "image";
    case engine::MediaBlob::Kind::kAudio:
      return "audio";
    case engine::MediaBlob::Kind::kVideo:
      return "video";
  }
  return "image";
}

void RecordMediaReport(ServerMetrics* metrics, absl::string_view model,
                       const engine::MediaReport& report) {
  if (metrics == nullptr || report.items.empty()) return;
  int soft_tokens = 0;
  for (const engine::MediaReport::Item& item : report.items) {
    metrics->RecordMediaPreprocess(ModalityName(item.kind), item.preprocess);
    soft_tokens += item.soft_tokens;
  }
  metrics->RecordPromptMediaSoftTokens(model, soft_tokens);
}

}  // namespace gemma::server
