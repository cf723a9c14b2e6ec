#include "preprocess/video.h"

#include <unistd.h>

#include <cstdio>
#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>
#include <string>
#include <vector>

#include "base/logging.h"
#include "gtest/gtest.h"
#include "preprocess/image_resize.h"
#include "tests/preprocess/media_test_util.h"
#include "tests/testing/status_matchers.h"

namespace gemma::preprocess {
namespace {

using ::gemma::testing::StatusIs;
using testing::ReadFileBytes;

// Frame i is a flat grey of level 4 * i.
RgbImage FlatFrame(int h, int w, int level) {
  RgbImage img(h, w);
  std::fill(img.data.begin(), img.data.end(), static_cast<uint8_t>(level));
  return img;
}

// An MJPEG AVI of `n` flat frames (level 4 * i), 64 x 80, at `fps`.
std::string MakeAvi(int n, double fps) {
  std::string templ = ::testing::TempDir() + "gemma-video-test-XXXXXX.avi";
  std::vector<char> name(templ.begin(), templ.end());
  name.push_back('\0');
  char* path = name.data();
  const int fd = mkstemps(path, 4);
  CHECK(fd >= 0);
  close(fd);
  cv::VideoWriter writer(path, cv::CAP_OPENCV_MJPEG,
                         cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps,
                         cv::Size(80, 64));
  CHECK(writer.isOpened());
  for (int i = 0; i < n; ++i) {
    writer.write(cv::Mat(64, 80, CV_8UC3, cv::Scalar::all(4 * i)));
  }
  writer.release();
  auto bytes = ReadFileBytes(path);
  std::remove(path);
  CHECK(bytes.ok());
  return *bytes;
}

TEST(VideoTest, SampleIndicesFollowHf) {
  ASSERT_OK_AND_ASSIGN(auto idx, SampleFrameIndices(48, 32));
  ASSERT_EQ(idx.size(), 32u);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(idx[i], (i * 3) / 2);
  ASSERT_OK_AND_ASSIGN(auto idx2, SampleFrameIndices(100, 32));
  EXPECT_EQ(idx2[1], 3);    // int(3.125)
  EXPECT_EQ(idx2[31], 96);  // int(96.875)
  ASSERT_OK_AND_ASSIGN(auto few, SampleFrameIndices(5, 32));
  EXPECT_EQ(few, (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_THAT(SampleFrameIndices(0, 32),
              StatusIs(absl::StatusCode::kInvalidArgument, "no frames"));
}

TEST(VideoTest, Timestamps) {
  EXPECT_EQ(FrameTimestamp(0, 24), "00:00");
  EXPECT_EQ(FrameTimestamp(47, 24), "00:01");
  EXPECT_EQ(FrameTimestamp(24 * 75, 24), "01:15");
  EXPECT_EQ(FrameTimestamp(90, 29.97), "00:03");
}

TEST(VideoTest, ProcessesFrameListWithVideoBudget) {
  std::vector<RgbImage> frames;
  for (int i = 0; i < 64; ++i)
    frames.push_back(FlatFrame(1080 / 10, 1920 / 10, i));
  ASSERT_OK_AND_ASSIGN(ProcessedVideo v, ProcessVideoFrames(frames, 0));
  EXPECT_EQ(v.fps, 24.0);
  ASSERT_EQ(v.frames.size(), 32u);
  EXPECT_EQ(v.timestamps[31], "00:02");  // Frame 62 at 24 fps.
  // 108 x 192 at S=70 -> 288 x 528 -> 66 tokens (same as 1080 x 1920).
  EXPECT_EQ(v.num_soft_tokens_per_frame, 66);
  for (size_t i = 0; i < v.frames.size(); ++i) {
    const ProcessedImage& p = v.frames[i];
    EXPECT_EQ(p.max_patches, 630);
    EXPECT_EQ(p.resized.height, 288);
    EXPECT_EQ(p.resized.width, 528);
    // Flat frames stay flat: value = level / 255 (division rule).
    EXPECT_EQ(p.pixel_values[0],
              static_cast<float>(v.frame_indices[i]) / 255.0f);
  }
  frames[10] = FlatFrame(50, 50, 0);
  EXPECT_THAT(ProcessVideoFrames(frames, 24),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "all frames must have the same size"));
}

TEST(VideoTest, DecodesEncodedVideo) {
  const std::string avi = MakeAvi(48, 12);
  ASSERT_OK_AND_ASSIGN(ProcessedVideo v,
                       DecodeAndProcessVideo(avi, "video/x-msvideo"));
  EXPECT_EQ(v.total_frames, 48);
  EXPECT_DOUBLE_EQ(v.fps, 12.0);
  ASSERT_EQ(v.frames.size(), 32u);
  // 64 x 80 at S=70 -> 336 x 432 (7 x 9 pooled) = 63 tokens.
  EXPECT_EQ(v.num_soft_tokens_per_frame, 63);
  for (int i = 0; i < 32; ++i) {
    EXPECT_EQ(v.frame_indices[i], (i * 3) / 2);
    EXPECT_EQ(v.timestamps[i], FrameTimestamp((i * 3) / 2, 12));
    // The decoded (lossy) grey level identifies the source frame.
    const float level = v.frames[i].pixel_values[100] * 255.0f;
    EXPECT_NEAR(level, 4.0 * v.frame_indices[i], 2.5) << i;
  }
  EXPECT_EQ(v.timestamps[31], "00:03");
}

TEST(VideoTest, ShortVideoUsesAllFrames) {
  ASSERT_OK_AND_ASSIGN(ProcessedVideo v, DecodeAndProcessVideo(MakeAvi(5, 10)));
  EXPECT_EQ(v.frames.size(), 5u);
}

TEST(VideoBadMediaTest, RejectsBadVideos) {
  const std::string avi = MakeAvi(8, 10);
  EXPECT_THAT(DecodeAndProcessVideo(avi, "video/mpeg"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unsupported video MIME type 'video/mpeg'"));
  EXPECT_THAT(DecodeAndProcessVideo(avi, "video/mp4"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "declared as video/mp4 but its data is AVI"));
  EXPECT_THAT(
      DecodeAndProcessVideo("not a video at all"),
      StatusIs(absl::StatusCode::kInvalidArgument, "unrecognised video data"));
  std::string garbage = avi.substr(0, 12);
  for (int i = 0; i < 500; ++i) garbage += char(i * 31);
  EXPECT_THAT(DecodeAndProcessVideo(garbage),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "AVI video could not be decoded"));
  VideoOptions limits;
  limits.max_total_frames = 5;
  EXPECT_THAT(DecodeAndProcessVideo(avi, "", limits),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "frames; at most 5 are accepted"));
  limits = VideoOptions();
  limits.max_frame_pixels = 1000;
  EXPECT_THAT(DecodeAndProcessVideo(avi, "", limits),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "80x64 = 5120 pixels; at most 1000"));
}

}  // namespace
}  // namespace gemma::preprocess
