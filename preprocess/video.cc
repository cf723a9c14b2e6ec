#include "preprocess/video.h"

#include <cmath>
#include <exception>
#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "preprocess/image_resize.h"
#include "preprocess/temp_file.h"

namespace gemma::preprocess {
namespace {

enum class VideoContainer { kMp4, kMatroska, kAvi, kGif };

absl::string_view ContainerName(VideoContainer c) {
  switch (c) {
    case VideoContainer::kMp4:
      return "MP4/QuickTime";
    case VideoContainer::kMatroska:
      return "WebM/Matroska";
    case VideoContainer::kAvi:
      return "AVI";
    case VideoContainer::kGif:
      return "GIF";
  }
  return "unknown";
}

absl::string_view ContainerSuffix(VideoContainer c) {
  switch (c) {
    case VideoContainer::kMp4:
      return ".mp4";
    case VideoContainer::kMatroska:
      return ".mkv";
    case VideoContainer::kAvi:
      return ".avi";
    case VideoContainer::kGif:
      return ".gif";
  }
  return "";
}

absl::StatusOr<VideoContainer> ContainerFromMime(absl::string_view mime) {
  const std::string m = absl::AsciiStrToLower(
      absl::StripAsciiWhitespace(mime.substr(0, mime.find(';'))));
  if (m == "video/mp4" || m == "video/quicktime") return VideoContainer::kMp4;
  if (m == "video/webm" || m == "video/x-matroska") {
    return VideoContainer::kMatroska;
  }
  if (m == "video/x-msvideo" || m == "video/avi" || m == "video/msvideo") {
    return VideoContainer::kAvi;
  }
  if (m == "image/gif") return VideoContainer::kGif;
  return absl::InvalidArgumentError(
      absl::StrCat("unsupported video MIME type '", mime,
                   "'; supported: video/mp4, video/quicktime, video/webm, "
                   "video/x-matroska, video/x-msvideo, image/gif"));
}

absl::StatusOr<VideoContainer> SniffContainer(absl::string_view b) {
  if (b.empty())
    return absl::InvalidArgumentError("the video is empty (0 bytes)");
  if (b.size() >= 12 && b.substr(4, 4) == "ftyp") return VideoContainer::kMp4;
  if (b.size() >= 4 && b.substr(0, 4) == "\x1A\x45\xDF\xA3") {
    return VideoContainer::kMatroska;
  }
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "AVI ") {
    return VideoContainer::kAvi;
  }
  if (b.size() >= 6 &&
      (b.substr(0, 6) == "GIF87a" || b.substr(0, 6) == "GIF89a")) {
    return VideoContainer::kGif;
  }
  return absl::InvalidArgumentError(
      "unrecognised video data: not an MP4/QuickTime, WebM/Matroska, AVI or "
      "GIF file");
}

RgbImage BgrToRgb(const cv::Mat& bgr) {
  RgbImage out(bgr.rows, bgr.cols);
  for (int y = 0; y < bgr.rows; ++y) {
    const uint8_t* s = bgr.ptr<uint8_t>(y);
    uint8_t* d = out.Row(y);
    for (int x = 0; x < bgr.cols; ++x, s += 3, d += 3) {
      d[0] = s[2];
      d[1] = s[1];
      d[2] = s[0];
    }
  }
  return out;
}

// Runs sampled frames through the image processor with one target size.
absl::StatusOr<ProcessedVideo> ProcessSampled(std::vector<RgbImage> sampled,
                                              std::vector<int64_t> indices,
                                              double fps, int64_t total,
                                              const VideoOptions& options) {
  ImageProcessorOptions iopt;
  iopt.max_soft_tokens = options.max_soft_tokens;
  iopt.rescale = ImageProcessorOptions::Rescale::kDivideFloat32;
  const int h = sampled.front().height;
  const int w = sampled.front().width;
  GEMMA_ASSIGN_OR_RETURN(const TargetSize target,
                         ComputeTargetSize(h, w, iopt));
  ProcessedVideo out;
  out.fps = fps;
  out.total_frames = total;
  for (size_t i = 0; i < sampled.size(); ++i) {
    const RgbImage& frame = sampled[i];
    if (frame.height != h || frame.width != w) {
      return absl::InvalidArgumentError(
          absl::StrCat("video frame ", indices[i], " is ", frame.width, "x",
                       frame.height, " but the first sampled frame is ", w, "x",
                       h, "; all frames must have the same size"));
    }
    ProcessedImage p;
    if (target.height == h && target.width == w) {
      GEMMA_ASSIGN_OR_RETURN(p, PatchifyResized(frame, iopt));
    } else {
      GEMMA_ASSIGN_OR_RETURN(const RgbImage resized,
                             ResizeBicubic(frame, target.height, target.width));
      GEMMA_ASSIGN_OR_RETURN(p, PatchifyResized(resized, iopt));
    }
    out.num_soft_tokens_per_frame = p.num_soft_tokens;
    out.frames.push_back(std::move(p));
    out.timestamps.push_back(FrameTimestamp(indices[i], fps));
  }
  out.frame_indices = std::move(indices);
  return out;
}

absl::Status CheckVideoOptions(const VideoOptions& o) {
  if (o.num_frames <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_frames must be positive, got ", o.num_frames));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<int64_t>> SampleFrameIndices(int64_t total_frames,
                                                        int num_frames) {
  if (total_frames <= 0) {
    return absl::InvalidArgumentError("the video has no frames");
  }
  if (num_frames <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_frames must be positive, got ", num_frames));
  }
  std::vector<int64_t> idx;
  if (total_frames <= num_frames) {
    for (int64_t i = 0; i < total_frames; ++i) idx.push_back(i);
    return idx;
  }
  // numpy arange(0, T, T / n) truncated to int: i * (T / n) in float64.
  const double step = static_cast<double>(total_frames) / num_frames;
  for (int i = 0; i < num_frames; ++i) {
    idx.push_back(static_cast<int64_t>(i * step));
  }
  return idx;
}

std::string FrameTimestamp(int64_t index, double fps) {
  const int64_t seconds = static_cast<int64_t>(index / fps);
  return absl::StrFormat("%02d:%02d", seconds / 60, seconds % 60);
}

absl::StatusOr<ProcessedVideo> ProcessVideoFrames(
    const std::vector<RgbImage>& frames, double fps,
    const VideoOptions& options) {
  GEMMA_RETURN_IF_ERROR(CheckVideoOptions(options));
  if (!(fps > 0)) fps = options.default_fps;
  GEMMA_ASSIGN_OR_RETURN(std::vector<int64_t> indices,
                         SampleFrameIndices(static_cast<int64_t>(frames.size()),
                                            options.num_frames));
  std::vector<RgbImage> sampled;
  sampled.reserve(indices.size());
  for (int64_t i : indices) sampled.push_back(frames[i]);
  return ProcessSampled(std::move(sampled), std::move(indices), fps,
                        static_cast<int64_t>(frames.size()), options);
}

absl::StatusOr<ProcessedVideo> DecodeAndProcessVideo(
    absl::string_view bytes, absl::string_view mime_type,
    const VideoOptions& options) {
  GEMMA_RETURN_IF_ERROR(CheckVideoOptions(options));
  if (bytes.size() > options.max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the encoded video is ", bytes.size(), " bytes; at most ",
                     options.max_bytes, " are accepted"));
  }
  std::optional<VideoContainer> declared;
  if (!mime_type.empty()) {
    GEMMA_ASSIGN_OR_RETURN(declared, ContainerFromMime(mime_type));
  }
  GEMMA_ASSIGN_OR_RETURN(const VideoContainer container, SniffContainer(bytes));
  if (declared && *declared != container) {
    return absl::InvalidArgumentError(
        absl::StrCat("the video was declared as ", mime_type,
                     " but its data is ", ContainerName(container)));
  }
  GEMMA_ASSIGN_OR_RETURN(
      ScopedTempFile file,
      ScopedTempFile::Create(bytes, ContainerSuffix(container)));
  const auto corrupt = [&]() {
    return absl::InvalidArgumentError(absl::StrCat(
        "the ", ContainerName(container),
        " video could not be decoded: the data is corrupt, truncated or uses "
        "an unsupported codec"));
  };
  try {
    // Pass 1: frame size, rate and count (the container's count is not
    // trusted; frames are grabbed without being converted).
    cv::VideoCapture cap(file.path(), cv::CAP_FFMPEG);
    if (!cap.isOpened()) return corrupt();
    const int64_t w = static_cast<int64_t>(cap.get(cv::CAP_PROP_FRAME_WIDTH));
    const int64_t h = static_cast<int64_t>(cap.get(cv::CAP_PROP_FRAME_HEIGHT));
    if (w <= 0 || h <= 0) return corrupt();
    if (w * h > options.max_frame_pixels) {
      return absl::InvalidArgumentError(absl::StrCat(
          "video frames are ", w, "x", h, " = ", w * h, " pixels; at most ",
          options.max_frame_pixels, " are accepted"));
    }
    double fps = cap.get(cv::CAP_PROP_FPS);
    if (!(fps > 0) || !std::isfinite(fps) || fps > 1000)
      fps = options.default_fps;
    // Refuse early when the container itself reports too many frames (the
    // count below is still taken by reading, since reports can be wrong).
    const double reported = cap.get(cv::CAP_PROP_FRAME_COUNT);
    if (std::isfinite(reported) &&
        reported > static_cast<double>(options.max_total_frames)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the video has ", static_cast<int64_t>(reported), " frames; at most ",
          options.max_total_frames, " are accepted"));
    }
    int64_t total = 0;
    while (cap.grab()) {
      if (++total > options.max_total_frames) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the video has more than ", options.max_total_frames,
            " frames; at most ", options.max_total_frames, " are accepted"));
      }
    }
    cap.release();
    if (total == 0) return corrupt();
    GEMMA_ASSIGN_OR_RETURN(std::vector<int64_t> indices,
                           SampleFrameIndices(total, options.num_frames));
    // Pass 2: decode only the sampled frames.
    cv::VideoCapture cap2(file.path(), cv::CAP_FFMPEG);
    if (!cap2.isOpened()) return corrupt();
    std::vector<RgbImage> sampled;
    size_t next = 0;
    cv::Mat frame;
    for (int64_t i = 0; i < total && next < indices.size(); ++i) {
      if (!cap2.grab()) break;
      if (i != indices[next]) continue;
      if (!cap2.retrieve(frame) || frame.empty() || frame.type() != CV_8UC3) {
        return corrupt();
      }
      sampled.push_back(BgrToRgb(frame));
      ++next;
    }
    if (sampled.size() != indices.size()) return corrupt();
    return ProcessSampled(std::move(sampled), std::move(indices), fps, total,
                          options);
  } catch (const std::exception&) {  // cv::Exception, std::bad_alloc.
    return corrupt();
  }
}

}  // namespace gemma::preprocess
