// The API's media (gemma4.v1.Media: images, audio clips, videos as a file
// or as frames) as the engine front end's MediaBlobs, in the order the
// front end pairs them with the prompt's placeholders; and the metrics of
// their preprocessing (time per modality, soft tokens per prompt), taken
// from the front end's MediaReport.
// Thread-safety: pure functions (ServerMetrics is thread-safe).
#ifndef GEMMA_SERVER_MEDIA_CONVERSION_H_
#define GEMMA_SERVER_MEDIA_CONVERSION_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/frontend.h"
#include "proto/gemma4_service.pb.h"
#include "server/server_metrics.h"

namespace gemma::server {

// One API media item as a blob of `kind` (a video's frames and frame rate
// included).
engine::MediaBlob ToMediaBlob(engine::MediaBlob::Kind kind,
                              const gemma4::v1::Media& media);

// The images, audio clips and videos of a text prompt in placeholder order
// (<|image|>, <|audio|>, <|video|> as they appear in the text). Items past
// the placeholders (validation refuses such prompts) are left out.
std::vector<engine::MediaBlob> TextPromptMedia(
    const gemma4::v1::TextPrompt& text);

// A chat content part's media and the chat template's part type for it
// ("image", "audio", "video"); nullopt for a text part.
struct PartMedia {
  std::string type;
  engine::MediaBlob blob;
};
std::optional<PartMedia> ContentPartMedia(const gemma4::v1::ContentPart& part);

// "image", "audio" or "video" (the metrics' modality label).
absl::string_view ModalityName(engine::MediaBlob::Kind kind);

// Records one prompt's media preprocessing: the time of each item by
// modality, and the prompt's soft tokens (when it has media). `metrics` may
// be null.
void RecordMediaReport(ServerMetrics* metrics, absl::string_view model,
                       const engine::MediaReport& report);

}  // namespace gemma::server

#endif  // GEMMA_SERVER_MEDIA_CONVERSION_H_
