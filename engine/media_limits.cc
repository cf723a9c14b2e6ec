#include "engine/media_limits.h"

#include "absl/strings/str_format.h"
#include "preprocess/image_header.h"

namespace gemma::engine {

absl::Status CheckMediaBlobs(const std::vector<MediaBlob>& media,
                             const MediaLimits& limits) {
  if (static_cast<int64_t>(media.size()) > limits.max_parts) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the request has %d media parts, more than the limit of %d "
        "(--max_media_parts)",
        media.size(), limits.max_parts));
  }
  for (size_t i = 0; i < media.size(); ++i) {
    if (media[i].kind != MediaBlob::Kind::kImage) continue;
    absl::StatusOr<preprocess::ImageHeader> h =
        preprocess::ReadImageHeader(media[i].bytes);
    if (!h.ok()) continue;  // The decoder reports undecodable data.
    const int64_t pixels = h->width * h->height;
    if (pixels > limits.max_image_pixels) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "media part %d: the image is %dx%d (%d pixels), more than the "
          "limit of %d pixels (--max_image_pixels)",
          i, h->width, h->height, pixels, limits.max_image_pixels));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckPreprocessedMedia(const PromptInput& prompt,
                                    const MediaLimits& limits) {
  int video_frames = 0;
  for (size_t i = 0; i < prompt.media.size(); ++i) {
    const MediaInput& m = prompt.media[i];
    if (m.kind == MediaInput::Kind::kVideoFrame) {
      ++video_frames;
      continue;
    }
    if (m.kind != MediaInput::Kind::kAudio) continue;
    int valid = 0;
    for (int32_t v : m.feature_mask) valid += v != 0;
    const double seconds = valid * 0.01;  // 10 ms hop at 16 kHz.
    if (seconds > limits.max_audio_seconds) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "media part %d: the audio clip is %.2f s long, more than the limit "
          "of %.2f s (--max_audio_seconds)",
          i, seconds, limits.max_audio_seconds));
    }
  }
  if (video_frames > limits.max_video_frames) {
    return absl::InvalidArgumentError(
        absl::StrFormat("the video gives %d frames, more than the limit of %d "
                        "(--max_video_frames)",
                        video_frames, limits.max_video_frames));
  }
  return absl::OkStatus();
}

}  // namespace gemma::engine
