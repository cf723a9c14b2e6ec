// Video preprocessing for the front end (spec §1.9, Hugging Face's video
// processor): a video arrives either as an encoded file (MP4/QuickTime,
// WebM/Matroska, AVI, animated GIF; decoded with OpenCV) or as a list of
// frames, each an encoded image. At most `video_frames` frames are sampled
// (int(i * T / n), all frames of a shorter video), each is labelled with its
// "MM:SS" timestamp (int(index / fps) s) and goes through the image
// processor with the per-frame video budget (70 soft tokens on every
// checkpoint; one target size for the whole video). Each sampled frame
// becomes one MediaInput of kind kVideoFrame, whose soft tokens the prompt
// places as `MM:SS <|image>` + n x `<|video|>` + `<image|>` (frontend.h).
// Thread-safety: pure functions.
#ifndef GEMMA_ENGINE_FRONTEND_VIDEO_H_
#define GEMMA_ENGINE_FRONTEND_VIDEO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/request.h"

namespace gemma::engine {

struct MediaBlob;

struct VideoSettings {
  int num_frames = 32;        // Frames sampled per video (HF num_frames).
  int soft_tokens = 70;       // Budget per frame (HF video max_soft_tokens).
  double default_fps = 24.0;  // When neither the file nor the caller says.
  int64_t max_frame_pixels = int64_t{50} << 20;  // Per frame, declared.
};

// A preprocessed video: one MediaInput per sampled frame (first_token_index
// left 0 for the caller), with the frames' timestamps.
struct PreprocessedVideo {
  std::vector<MediaInput> frames;
  std::vector<std::string> timestamps;  // "MM:SS" of each frame.
  int64_t source_frames = 0;            // Frames the video has in all.
};

// Frames `blob` would give (min(T, num_frames)) when the video is a list of
// frames (T known without decoding); -1 for an encoded file.
int64_t SampledFrameCountBeforeDecoding(const MediaBlob& blob,
                                        const VideoSettings& settings);

// Decodes, samples and processes `blob` (kind kVideo). INVALID_ARGUMENT
// with the decoder's message for corrupt or unsupported data, frames of
// different sizes, or both `bytes` and `frames` set (or neither).
absl::StatusOr<PreprocessedVideo> PreprocessVideo(
    const MediaBlob& blob, const VideoSettings& settings);

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_FRONTEND_VIDEO_H_
