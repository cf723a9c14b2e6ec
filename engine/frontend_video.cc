#include "engine/frontend_video.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "engine/frontend_media.h"
#include "preprocess/image_decode.h"
#include "preprocess/video.h"
#include "tokenizer/sha256.h"

namespace gemma::engine {
namespace {

preprocess::VideoOptions ToVideoOptions(const VideoSettings& settings) {
  preprocess::VideoOptions options;
  options.num_frames = settings.num_frames;
  options.max_soft_tokens = settings.soft_tokens;
  options.default_fps = settings.default_fps;
  options.max_frame_pixels = settings.max_frame_pixels;
  return options;
}

// The frames of a list, decoded where sampled (the others stay empty: the
// processor only reads the sampled ones, so large lists cost no decoding).
absl::StatusOr<std::vector<preprocess::RgbImage>> DecodeSampledFrames(
    const std::vector<std::string>& frames, const VideoSettings& settings) {
  GEMMA_ASSIGN_OR_RETURN(
      const std::vector<int64_t> indices,
      preprocess::SampleFrameIndices(static_cast<int64_t>(frames.size()),
                                     settings.num_frames));
  preprocess::ImageDecodeLimits limits;
  limits.max_pixels = settings.max_frame_pixels;
  std::vector<preprocess::RgbImage> decoded(frames.size());
  for (int64_t i : indices) {
    absl::StatusOr<preprocess::RgbImage> image =
        preprocess::DecodeImage(frames[i], /*mime_type=*/{}, limits);
    if (!image.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("video frame ", i, ": ", image.status().message()));
    }
    decoded[i] = *std::move(image);
  }
  return decoded;
}

}  // namespace

int64_t SampledFrameCountBeforeDecoding(const MediaBlob& blob,
                                        const VideoSettings& settings) {
  if (blob.frames.empty()) return -1;
  return std::min<int64_t>(static_cast<int64_t>(blob.frames.size()),
                           settings.num_frames);
}

absl::StatusOr<PreprocessedVideo> PreprocessVideo(
    const MediaBlob& blob, const VideoSettings& settings) {
  if (!blob.bytes.empty() && !blob.frames.empty()) {
    return absl::InvalidArgumentError(
        "the video has both an encoded file and a list of frames; send one");
  }
  if (blob.bytes.empty() && blob.frames.empty()) {
    return absl::InvalidArgumentError(
        "the video is empty: send an encoded video file or a list of frames");
  }
  const preprocess::VideoOptions options = ToVideoOptions(settings);
  preprocess::ProcessedVideo video;
  std::vector<std::string> frame_hashes;
  if (!blob.frames.empty()) {
    GEMMA_ASSIGN_OR_RETURN(const std::vector<preprocess::RgbImage> decoded,
                           DecodeSampledFrames(blob.frames, settings));
    GEMMA_ASSIGN_OR_RETURN(
        video, preprocess::ProcessVideoFrames(decoded, blob.fps, options));
    // A frame's features follow from its own bytes and the common target
    // size, which the first sampled frame's size decides.
    const std::string size_key =
        absl::StrCat(video.frames.front().resized.height, "x",
                     video.frames.front().resized.width);
    for (int64_t index : video.frame_indices) {
      frame_hashes.push_back(absl::StrCat(
          tokenizer::Sha256Hex(blob.frames[index]), "@", size_key));
    }
  } else {
    GEMMA_ASSIGN_OR_RETURN(video, preprocess::DecodeAndProcessVideo(
                                      blob.bytes, blob.mime_type, options));
    const std::string file_hash = tokenizer::Sha256Hex(blob.bytes);
    for (int64_t index : video.frame_indices) {
      frame_hashes.push_back(
          absl::StrCat(file_hash, "#", index, "/", video.frame_indices.size()));
    }
  }
  PreprocessedVideo out;
  out.source_frames = video.total_frames;
  out.timestamps = std::move(video.timestamps);
  for (size_t i = 0; i < video.frames.size(); ++i) {
    preprocess::ProcessedImage& frame = video.frames[i];
    MediaInput input;
    input.kind = MediaInput::Kind::kVideoFrame;
    input.features = std::move(frame.pixel_values);
    input.positions = std::move(frame.position_ids);
    input.rows = frame.max_patches;
    input.num_soft_tokens = frame.num_soft_tokens;
    input.content_hash = std::move(frame_hashes[i]);
    out.frames.push_back(std::move(input));
  }
  return out;
}

}  // namespace gemma::engine
