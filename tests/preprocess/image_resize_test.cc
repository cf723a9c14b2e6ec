#include "preprocess/image_resize.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>

#include "gtest/gtest.h"
#include "preprocess/image_decode.h"
#include "tests/preprocess/media_test_util.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"

namespace gemma::preprocess {
namespace {

using ::gemma::testing::GoldenPath;
using ::gemma::testing::StatusIs;
using testing::CountDiffs;
using testing::MediaPath;
using testing::NpyToImage;
using testing::ReadFileBytes;

absl::StatusOr<RgbImage> DecodeFile(const std::string& path) {
  auto bytes = ReadFileBytes(path);
  if (!bytes.ok()) return bytes.status();
  return DecodeImage(*bytes);
}

// Pillow's BICUBIC resize of media/imageK to its S=70 target size, including
// enlargements in both directions by non-integer factors.
TEST(ImageResizeTest, BitIdenticalToPillowReferences) {
  for (int k : {0, 1, 2, 4}) {
    SCOPED_TRACE(k);
    const std::string name = "image" + std::to_string(k);
    ASSERT_OK_AND_ASSIGN(RgbImage src, DecodeFile(MediaPath(name + ".png")));
    ASSERT_OK_AND_ASSIGN(
        RgbImage want, DecodeFile(MediaPath(name + "_pillow_bicubic_s70.png")));
    ASSERT_OK_AND_ASSIGN(RgbImage got,
                         ResizeBicubic(src, want.height, want.width));
    EXPECT_EQ(CountDiffs(got, want), 0u);
  }
}

TEST(ImageResizeTest, BitIdenticalOnPlainConvertedRgba) {
  // image2 with its alpha dropped (Pillow convert("RGB")), resized by Pillow.
  ASSERT_OK_AND_ASSIGN(std::string bytes,
                       ReadFileBytes(MediaPath("image2.png")));
  const cv::Mat bgr = cv::imdecode(
      cv::Mat(1, static_cast<int>(bytes.size()), CV_8UC1, bytes.data()),
      cv::IMREAD_COLOR);
  ASSERT_FALSE(bgr.empty());
  RgbImage src(bgr.rows, bgr.cols);
  for (int y = 0; y < bgr.rows; ++y) {
    for (int x = 0; x < bgr.cols; ++x) {
      for (int c = 0; c < 3; ++c) {
        src.Row(y)[x * 3 + c] = bgr.at<cv::Vec3b>(y, x)[2 - c];
      }
    }
  }
  ASSERT_OK_AND_ASSIGN(
      RgbImage want,
      DecodeFile(MediaPath("image2_plain_convert_pillow_bicubic_s70.png")));
  ASSERT_OK_AND_ASSIGN(RgbImage got,
                       ResizeBicubic(src, want.height, want.width));
  EXPECT_EQ(CountDiffs(got, want), 0u);
}

TEST(ImageResizeTest, BitIdenticalToHfPipeResizedImages) {
  const struct {
    const char* folder;
    const char* image;
  } cases[] = {{"e2b_vision", "image0"},
               {"e2b_vision", "image1"},
               {"dense_vision", "image0"},
               {"dense_vision", "image3"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.folder) + "/" + c.image);
    ASSERT_OK_AND_ASSIGN(RgbImage src,
                         DecodeFile(MediaPath(std::string(c.image) + ".png")));
    ASSERT_OK_AND_ASSIGN(
        RgbImage want,
        NpyToImage(GoldenPath(std::string(c.folder) + "/hfpipe_" + c.image +
                              "_resized_rgb_uint8.npy")));
    ASSERT_OK_AND_ASSIGN(RgbImage got,
                         ResizeBicubic(src, want.height, want.width));
    EXPECT_EQ(CountDiffs(got, want), 0u);
  }
}

TEST(ImageResizeTest, DownscaleKeepsConstantImagesConstant) {
  // Normalised weights: a flat image stays flat, for shrinking, growing and
  // mixed directions.
  RgbImage flat(37, 53);
  for (size_t i = 0; i < flat.data.size(); i += 3) {
    flat.data[i] = 17;
    flat.data[i + 1] = 128;
    flat.data[i + 2] = 250;
  }
  for (auto [h, w] : {std::pair{5, 7}, std::pair{100, 3}, std::pair{37, 200}}) {
    ASSERT_OK_AND_ASSIGN(RgbImage out, ResizeBicubic(flat, h, w));
    ASSERT_EQ(out.height, h);
    ASSERT_EQ(out.width, w);
    for (size_t i = 0; i < out.data.size(); i += 3) {
      ASSERT_EQ(out.data[i], 17);
      ASSERT_EQ(out.data[i + 1], 128);
      ASSERT_EQ(out.data[i + 2], 250);
    }
  }
}

TEST(ImageResizeTest, SameSizeIsIdentityAndBadSizesFail) {
  RgbImage img(3, 4);
  for (size_t i = 0; i < img.data.size(); ++i) img.data[i] = uint8_t(i * 9);
  ASSERT_OK_AND_ASSIGN(RgbImage same, ResizeBicubic(img, 3, 4));
  EXPECT_EQ(CountDiffs(same, img), 0u);
  EXPECT_THAT(ResizeBicubic(img, 0, 4),
              StatusIs(absl::StatusCode::kInvalidArgument, "resize target"));
  EXPECT_THAT(ResizeBicubic(RgbImage(), 2, 2),
              StatusIs(absl::StatusCode::kInvalidArgument, "empty"));
}

}  // namespace
}  // namespace gemma::preprocess
