// Gemma 4 video preprocessing (Hugging Face video processor semantics):
// samples at most 32 frames (indices int(i * T / 32)), labels each with its
// "MM:SS" timestamp (int(index / fps) seconds), and runs every frame through
// the image processor with the video budget (70 soft tokens per frame; the
// target size is computed once from the frame size). Input is either a list
// of decoded frames or an encoded video container decoded with OpenCV's
// FFmpeg reader (MP4/MOV, WebM/Matroska, AVI, animated GIF).
//
// Deviation from HF: a video with fewer frames than requested uses all of
// its frames (HF raises).
// Thread-safety: pure functions; safe to call concurrently.
#ifndef GEMMA_PREPROCESS_VIDEO_H_
#define GEMMA_PREPROCESS_VIDEO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "preprocess/image_processor.h"
#include "preprocess/rgb_image.h"

namespace gemma::preprocess {

struct VideoOptions {
  int num_frames = 32;        // Frames sampled per video.
  int max_soft_tokens = 70;   // Budget per frame.
  double default_fps = 24.0;  // When the container reports none.
  // Limits for encoded videos.
  size_t max_bytes = size_t{256} << 20;
  int64_t max_total_frames = 36000;  // 10 min at 60 fps.
  int64_t max_frame_pixels = int64_t{3840} * 2160;
};

struct ProcessedVideo {
  std::vector<ProcessedImage> frames;   // One per sampled frame.
  std::vector<int64_t> frame_indices;   // Source frame index of each.
  std::vector<std::string> timestamps;  // "MM:SS" of each.
  double fps = 0;
  int64_t total_frames = 0;
  int num_soft_tokens_per_frame = 0;
};

// HF sampling: int(i * total / num) for i < num; all frames if total < num.
// INVALID_ARGUMENT when total_frames <= 0 or num_frames <= 0.
absl::StatusOr<std::vector<int64_t>> SampleFrameIndices(int64_t total_frames,
                                                        int num_frames);

// "MM:SS" for int(index / fps) seconds (minutes are not wrapped at 60).
std::string FrameTimestamp(int64_t index, double fps);

// Samples and processes already decoded frames (all the same size).
// fps <= 0 means options.default_fps.
absl::StatusOr<ProcessedVideo> ProcessVideoFrames(
    const std::vector<RgbImage>& frames, double fps,
    const VideoOptions& options = {});

// Decodes an encoded video and processes its sampled frames. `mime_type`
// may be empty; otherwise video/mp4, video/quicktime, video/webm,
// video/x-matroska, video/x-msvideo (video/avi) or image/gif, agreeing with
// the data. INVALID_ARGUMENT for unsupported, corrupt or over-limit input.
absl::StatusOr<ProcessedVideo> DecodeAndProcessVideo(
    absl::string_view bytes, absl::string_view mime_type = {},
    const VideoOptions& options = {});

}  // namespace gemma::preprocess

#endif  // GEMMA_PREPROCESS_VIDEO_H_
