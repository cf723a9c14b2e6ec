// Per-request limits on media input, checked before the expensive work:
// the number of media parts, an image's declared pixel count (read from its
// header, before decoding), an audio clip's length and a video's sampled
// frames (each video on its own; a list of frames is checked before any
// decoding, an encoded file once its frames are counted). Each limit is a flag
// of the server and the CLI; a breach is INVALID_ARGUMENT with the limit, the
// value and the flag to change. Thread-safety: pure functions over plain
// values.
#ifndef GEMMA_ENGINE_MEDIA_LIMITS_H_
#define GEMMA_ENGINE_MEDIA_LIMITS_H_

#include <cstdint>
#include <string>
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
  // --max_video_frames: frames sampled from one video (the processor
  // samples at most 32); 0 refuses video.
  int max_video_frames = 32;
};

// Before preprocessing: parts, image and video-frame sizes (from the
// headers), and the frames a video given as a list of frames samples.
// `sample_frames` is the front end's frames-per-video (spec: 32).
absl::Status CheckMediaBlobs(const std::vector<MediaBlob>& media,
                             const MediaLimits& limits, int sample_frames = 32);
// Media part `part`, a video, gives `sampled_frames` frames of its
// `source_frames` (-1: unknown): INVALID_ARGUMENT over --max_video_frames.
absl::Status CheckVideoFrames(int part, int64_t sampled_frames,
                              int64_t source_frames, const MediaLimits& limits);
// Media part `part`, an audio clip once preprocessed: its length (from its
// valid feature frames, 10 ms each) against --max_audio_seconds. OK for
// other kinds.
absl::Status CheckAudioLength(int part, const MediaInput& clip,
                              const MediaLimits& limits);
// The same for every audio clip of a prompt (media item i as part i).
absl::Status CheckPreprocessedMedia(const PromptInput& prompt,
                                    const MediaLimits& limits);

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_MEDIA_LIMITS_H_
