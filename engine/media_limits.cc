#include "engine/media_limits.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "preprocess/image_header.h"

namespace gemma::engine {
namespace {

// An image's (or a video frame's) declared size against --max_image_pixels;
// `what` names it in the message.
absl::Status CheckPixels(const std::string& bytes, const std::string& what,
                         const MediaLimits& limits) {
  absl::StatusOr<preprocess::ImageHeader> h =
      preprocess::ReadImageHeader(bytes);
  if (!h.ok()) return absl::OkStatus();  // The decoder reports bad data.
  const int64_t pixels = h->width * h->height;
  if (pixels > limits.max_image_pixels) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s is %dx%d (%d pixels), more than the limit of %d pixels "
        "(--max_image_pixels)",
        what, h->width, h->height, pixels, limits.max_image_pixels));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckMediaBlobs(const std::vector<MediaBlob>& media,
                             const MediaLimits& limits, int sample_frames) {
  if (static_cast<int64_t>(media.size()) > limits.max_parts) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the request has %d media parts, more than the limit of %d "
        "(--max_media_parts)",
        media.size(), limits.max_parts));
  }
  for (size_t i = 0; i < media.size(); ++i) {
    const MediaBlob& blob = media[i];
    if (blob.kind == MediaBlob::Kind::kImage) {
      if (absl::Status st = CheckPixels(
              blob.bytes, absl::StrFormat("media part %d: the image", i),
              limits);
          !st.ok()) {
        return st;
      }
      continue;
    }
    if (blob.kind != MediaBlob::Kind::kVideo) continue;
    if (limits.max_video_frames <= 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "media part %d is a video, but this server takes no video "
          "(--max_video_frames is 0)",
          i));
    }
    if (blob.frames.empty()) continue;  // Counted once decoded.
    const int64_t sampled = std::min<int64_t>(
        static_cast<int64_t>(blob.frames.size()), sample_frames);
    if (absl::Status st =
            CheckVideoFrames(static_cast<int>(i), sampled,
                             static_cast<int64_t>(blob.frames.size()), limits);
        !st.ok()) {
      return st;
    }
    for (size_t f = 0; f < blob.frames.size(); ++f) {
      if (absl::Status st = CheckPixels(
              blob.frames[f],
              absl::StrFormat("media part %d: video frame %d", i, f), limits);
          !st.ok()) {
        return st;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckVideoFrames(int part, int64_t sampled_frames,
                              int64_t source_frames,
                              const MediaLimits& limits) {
  if (sampled_frames <= limits.max_video_frames) return absl::OkStatus();
  const std::string of =
      source_frames >= 0 ? absl::StrFormat(" (of its %d)", source_frames) : "";
  return absl::InvalidArgumentError(absl::StrFormat(
      "media part %d: the video gives %d sampled frames%s, more than the "
      "limit of %d (--max_video_frames); send a shorter video or fewer "
      "frames",
      part, sampled_frames, of, limits.max_video_frames));
}

absl::Status CheckAudioLength(int part, const MediaInput& clip,
                              const MediaLimits& limits) {
  if (clip.kind != MediaInput::Kind::kAudio) return absl::OkStatus();
  int valid = 0;
  for (int32_t v : clip.feature_mask) valid += v != 0;
  const double seconds = valid * 0.01;  // 10 ms hop at 16 kHz.
  if (seconds > limits.max_audio_seconds) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "media part %d: the audio clip is %.2f s long, more than the limit "
        "of %.2f s (--max_audio_seconds)",
        part, seconds, limits.max_audio_seconds));
  }
  return absl::OkStatus();
}

absl::Status CheckPreprocessedMedia(const PromptInput& prompt,
                                    const MediaLimits& limits) {
  for (size_t i = 0; i < prompt.media.size(); ++i) {
    if (absl::Status st =
            CheckAudioLength(static_cast<int>(i), prompt.media[i], limits);
        !st.ok()) {
      return st;
    }
  }
  return absl::OkStatus();
}

}  // namespace gemma::engine
