// Per-request limits on media input, checked before the expensive work:
// the number of media parts, an image's declared pixel count (read from its
// header, before decoding), an audio clip's length and a video's sampled
// frames. Each limit is a flag of the server and the CLI; a breach is
// INVALID_ARGUMENT with the limit, the value and the flag to change.
// Thread-safety: pure functions over plain values.
#ifndef GEMMA_ENGINE_MEDIA_LIMITS_H_
#define GEMMA_ENGINE_MEDIA_LIMITS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "engine/frontend_media.h"
#include "engine/request.h"

namespace gemma::engine {

struct MediaLimits {
  // --max_media_parts: images + audio clips + videos in one request.
  int max_parts = 16;
  // --max_image_pixels: width × height an image (or video frame) declares.
  int64_t max_image_pixels = int64_t{50} << 20;
  // --max_audio_seconds: length of one audio clip (16 kHz after resampling).
  double max_audio_seconds = 30.0;
  // --max_video_frames: frames sampled from one video.
  int max_video_frames = 32;
};

// Before preprocessing: parts and image sizes (from the headers).
absl::Status CheckMediaBlobs(const std::vector<MediaBlob>& media,
                             const MediaLimits& limits);
// After preprocessing: audio length (from its valid feature frames, 10 ms
// each) and video frames.
absl::Status CheckPreprocessedMedia(const PromptInput& prompt,
                                    const MediaLimits& limits);

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_MEDIA_LIMITS_H_
