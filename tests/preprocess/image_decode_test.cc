#include "preprocess/image_decode.h"

#include <cstdint>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "base/logging.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "preprocess/image_header.h"
#include "tests/preprocess/media_test_util.h"
#include "tests/testing/status_matchers.h"

namespace gemma::preprocess {
namespace {

using ::gemma::testing::StatusIs;
using testing::CountDiffs;
using ::testing::HasSubstr;
using testing::MediaPath;
using testing::NpyToImage;
using testing::ReadFileBytes;

std::string SeedPath(const std::string& name) {
  return ::gemma::testing::TestDataDir() + "/media/" + name;
}

std::string Encode(const cv::Mat& m, const std::string& ext,
                   const std::vector<int>& params = {}) {
  std::vector<uchar> buf;
  CHECK(cv::imencode(ext, m, buf, params));
  return std::string(buf.begin(), buf.end());
}

// A deterministic BGR test pattern.
cv::Mat Pattern(int h, int w) {
  cv::Mat m(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      m.at<cv::Vec3b>(y, x) =
          cv::Vec3b((x * 7 + y) & 255, (y * 13) & 255, (x * y + 31) & 255);
    }
  }
  return m;
}

void ExpectMatchesBgr(const RgbImage& img, const cv::Mat& bgr) {
  ASSERT_EQ(img.height, bgr.rows);
  ASSERT_EQ(img.width, bgr.cols);
  for (int y = 0; y < bgr.rows; ++y) {
    for (int x = 0; x < bgr.cols; ++x) {
      const cv::Vec3b p = bgr.at<cv::Vec3b>(y, x);
      ASSERT_EQ(img.at(y, x, 0), p[2]) << y << "," << x;
      ASSERT_EQ(img.at(y, x, 1), p[1]) << y << "," << x;
      ASSERT_EQ(img.at(y, x, 2), p[0]) << y << "," << x;
    }
  }
}

// A PNG signature + IHDR declaring w x h, followed by a few junk bytes.
std::string PngHeaderOnly(uint32_t w, uint32_t h) {
  std::string s("\x89PNG\r\n\x1a\n", 8);
  s += std::string("\0\0\0\x0dIHDR", 8);
  for (uint32_t v : {w, h}) {
    for (int shift = 24; shift >= 0; shift -= 8) s += char((v >> shift) & 255);
  }
  s += std::string("\x08\x02\0\0\0", 5);  // 8-bit RGB.
  s += std::string("\0\0\0\0", 4);        // CRC (not checked by the sniffer).
  s += std::string("\0\0\0\x10IDATxxxxxxxxxxxxxxxxxxxx", 28);
  return s;
}

TEST(ImageDecodeTest, FixturePngsMatchReferencePixels) {
  // image2 is RGBA: this checks the alpha-over-white rule bit for bit.
  for (int k = 0; k < 5; ++k) {
    SCOPED_TRACE(k);
    const std::string name = "image" + std::to_string(k);
    ASSERT_OK_AND_ASSIGN(std::string bytes,
                         ReadFileBytes(MediaPath(name + ".png")));
    ASSERT_OK_AND_ASSIGN(RgbImage got, DecodeImage(bytes, "image/png"));
    ASSERT_OK_AND_ASSIGN(RgbImage want,
                         NpyToImage(MediaPath(name + "_rgb_uint8.npy")));
    EXPECT_EQ(got.height, want.height);
    EXPECT_EQ(got.width, want.width);
    EXPECT_EQ(CountDiffs(got, want), 0u);
  }
}

TEST(ImageDecodeTest, CompositeOverWhiteMatchesPillowRule) {
  const uint8_t transparent[4] = {10, 20, 30, 0};
  const uint8_t opaque[4] = {10, 20, 30, 255};
  const uint8_t half[4] = {0, 100, 255, 128};
  uint8_t out[3];
  CompositeOverWhite(transparent, out);
  EXPECT_THAT(out, ::testing::ElementsAre(255, 255, 255));
  CompositeOverWhite(opaque, out);
  EXPECT_THAT(out, ::testing::ElementsAre(10, 20, 30));
  CompositeOverWhite(half, out);
  // 0*128/255 + 255*127/255 = 127; 100*128/255 + 127 = 177.2; 255.
  EXPECT_THAT(out, ::testing::ElementsAre(127, 177, 255));
}

TEST(ImageDecodeTest, LosslessFormatsRoundTrip) {
  const cv::Mat bgr = Pattern(23, 37);
  for (const char* ext : {".png", ".bmp"}) {
    SCOPED_TRACE(ext);
    ASSERT_OK_AND_ASSIGN(RgbImage img, DecodeImage(Encode(bgr, ext)));
    ExpectMatchesBgr(img, bgr);
  }
  ASSERT_OK_AND_ASSIGN(
      RgbImage webp,
      DecodeImage(Encode(bgr, ".webp", {cv::IMWRITE_WEBP_QUALITY, 101}),
                  "image/webp"));
  ExpectMatchesBgr(webp, bgr);
}

TEST(ImageDecodeTest, JpegDecodesCloseToSource) {
  const cv::Mat bgr(40, 64, CV_8UC3, cv::Scalar(30, 120, 200));
  ASSERT_OK_AND_ASSIGN(RgbImage img,
                       DecodeImage(Encode(bgr, ".jpg"), "image/jpeg"));
  ASSERT_EQ(img.height, 40);
  ASSERT_EQ(img.width, 64);
  EXPECT_NEAR(img.at(20, 30, 0), 200, 3);
  EXPECT_NEAR(img.at(20, 30, 1), 120, 3);
  EXPECT_NEAR(img.at(20, 30, 2), 30, 3);
}

// Inserts an APP1 EXIF segment with the given orientation after SOI.
std::string WithExifOrientation(const std::string& jpeg, int orientation) {
  std::string tiff("II*\0\x08\0\0\0", 8);
  tiff += std::string("\x01\0", 2);          // One IFD entry.
  tiff += std::string("\x12\x01\x03\0", 4);  // Tag 0x0112, type SHORT.
  tiff += std::string("\x01\0\0\0", 4);      // Count 1.
  tiff += char(orientation);
  tiff += std::string("\0\0\0", 3);
  tiff += std::string("\0\0\0\0", 4);  // No next IFD.
  std::string payload = std::string("Exif\0\0", 6) + tiff;
  const size_t len = payload.size() + 2;
  std::string app1 = "\xFF\xE1";
  app1 += char(len >> 8);
  app1 += char(len & 255);
  return jpeg.substr(0, 2) + app1 + payload + jpeg.substr(2);
}

TEST(ImageDecodeTest, JpegExifOrientationIsApplied) {
  // 16 rows x 32 columns: left half black, right half white.
  cv::Mat bgr(16, 32, CV_8UC3, cv::Scalar(0, 0, 0));
  bgr(cv::Rect(16, 0, 16, 16)).setTo(cv::Scalar(255, 255, 255));
  const std::string jpeg =
      WithExifOrientation(Encode(bgr, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 100}),
                          6);  // Rotate 90 degrees clockwise to display.
  ASSERT_OK_AND_ASSIGN(RgbImage img, DecodeImage(jpeg));
  ASSERT_EQ(img.height, 32);
  ASSERT_EQ(img.width, 16);
  // The left (black) half ends up on top.
  EXPECT_LT(img.at(4, 8, 0), 40);
  EXPECT_GT(img.at(28, 8, 0), 215);
}

TEST(ImageDecodeTest, GrayscaleAnd16BitBecomeRgb) {
  cv::Mat gray(5, 7, CV_8UC1);
  for (int i = 0; i < 35; ++i) gray.data[i] = static_cast<uchar>(i * 7);
  ASSERT_OK_AND_ASSIGN(RgbImage g, DecodeImage(Encode(gray, ".png")));
  for (int i = 0; i < 35; ++i) {
    for (int c = 0; c < 3; ++c) ASSERT_EQ(g.data[i * 3 + c], i * 7);
  }
  cv::Mat deep(3, 4, CV_16UC3);
  for (int i = 0; i < 36; ++i) {
    deep.ptr<uint16_t>()[i] = static_cast<uint16_t>(i * 1800 + 255);
  }
  ASSERT_OK_AND_ASSIGN(RgbImage d, DecodeImage(Encode(deep, ".png")));
  ASSERT_EQ(d.width, 4);
  // BGR -> RGB; high byte kept.
  EXPECT_EQ(d.data[0], (2 * 1800 + 255) >> 8);
  EXPECT_EQ(d.data[2], 255 >> 8);
}

TEST(ImageDecodeTest, RgbaPngIsCompositedOverWhite) {
  cv::Mat bgra(2, 2, CV_8UC4, cv::Scalar(0, 0, 255, 0));  // Transparent red.
  bgra.at<cv::Vec4b>(1, 1) = cv::Vec4b(0, 0, 255, 255);   // Opaque red.
  ASSERT_OK_AND_ASSIGN(RgbImage img, DecodeImage(Encode(bgra, ".png")));
  EXPECT_EQ(img.at(0, 0, 0), 255);
  EXPECT_EQ(img.at(0, 0, 1), 255);
  EXPECT_EQ(img.at(1, 1, 0), 255);
  EXPECT_EQ(img.at(1, 1, 1), 0);
}

// A 4x2 GIF with a 4-colour palette, LZW-coded with a clear code before
// every pixel so every code stays 3 bits wide.
std::string TinyGif() {
  std::string g = "GIF89a";
  g += std::string("\x04\0\x02\0", 4);  // 4 x 2 logical screen.
  g += std::string("\xF1\0\0", 3);      // Global table, 4 entries.
  g += std::string(
      "\xFF\0\0"
      "\0\xFF\0"
      "\0\0\xFF"
      "\xFF\xFF\xFF",
      12);
  g += std::string("\x2C\0\0\0\0\x04\0\x02\0\0", 10);  // Image descriptor.
  g += char(2);                                        // LZW min code size.
  const int pixels[8] = {0, 1, 2, 3, 3, 2, 1, 0};
  std::vector<int> codes;
  for (int p : pixels) {
    codes.push_back(4);  // Clear.
    codes.push_back(p);
  }
  codes.push_back(5);  // End of information.
  std::string data;
  uint32_t acc = 0;
  int nbits = 0;
  for (int c : codes) {
    acc |= static_cast<uint32_t>(c) << nbits;
    nbits += 3;
    while (nbits >= 8) {
      data += char(acc & 255);
      acc >>= 8;
      nbits -= 8;
    }
  }
  if (nbits > 0) data += char(acc & 255);
  g += char(data.size());
  g += data;
  g += char(0);  // Block terminator.
  g += ';';
  return g;
}

TEST(ImageDecodeTest, GifFirstFrame) {
  ASSERT_OK_AND_ASSIGN(RgbImage img, DecodeImage(TinyGif(), "image/gif"));
  ASSERT_EQ(img.height, 2);
  ASSERT_EQ(img.width, 4);
  // Palette: red, green, blue, white; rows 0 1 2 3 / 3 2 1 0.
  const uint8_t want[8][3] = {{255, 0, 0},     {0, 255, 0},     {0, 0, 255},
                              {255, 255, 255}, {255, 255, 255}, {0, 0, 255},
                              {0, 255, 0},     {255, 0, 0}};
  for (int i = 0; i < 8; ++i) {
    for (int c = 0; c < 3; ++c) EXPECT_EQ(img.data[i * 3 + c], want[i][c]);
  }
}

TEST(ImageDecodeTest, PngTransparencyVariants) {
  // Palette with tRNS: transparent -> white, alpha 128 composited.
  ASSERT_OK_AND_ASSIGN(std::string pal,
                       ReadFileBytes(SeedPath("png_palette_trns.png")));
  ASSERT_OK_AND_ASSIGN(RgbImage p, DecodeImage(pal));
  uint8_t half_green[3];
  const uint8_t green128[4] = {0, 255, 0, 128};
  CompositeOverWhite(green128, half_green);
  EXPECT_THAT(p.data, ::testing::ElementsAre(255, 255, 255,  //
                                             half_green[0], half_green[1],
                                             half_green[2],  //
                                             0, 0, 255,      //
                                             10, 20, 30));
  // Grey + alpha.
  ASSERT_OK_AND_ASSIGN(std::string ga,
                       ReadFileBytes(SeedPath("png_gray_alpha.png")));
  ASSERT_OK_AND_ASSIGN(RgbImage g, DecodeImage(ga));
  EXPECT_THAT(g.data, ::testing::ElementsAre(255, 255, 255, 100, 100, 100));
  // Truecolour colour key: stays RGB (Pillow mode "RGB" is not composited).
  ASSERT_OK_AND_ASSIGN(std::string key,
                       ReadFileBytes(SeedPath("png_rgb_colorkey.png")));
  ASSERT_OK_AND_ASSIGN(RgbImage k, DecodeImage(key));
  EXPECT_THAT(k.data, ::testing::ElementsAre(1, 2, 3, 4, 5, 6));
}

// ---- Bad media: each gives INVALID_ARGUMENT with a precise message. ----

TEST(ImageDecodeBadMediaTest, TruncatedPng) {
  ASSERT_OK_AND_ASSIGN(std::string bytes,
                       ReadFileBytes(MediaPath("image0.png")));
  EXPECT_THAT(DecodeImage(bytes.substr(0, bytes.size() / 2)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "PNG image could not be decoded"));
  EXPECT_THAT(
      DecodeImage(bytes.substr(0, 20)),
      StatusIs(absl::StatusCode::kInvalidArgument, "PNG image is truncated"));
}

TEST(ImageDecodeBadMediaTest, JpegWithGarbage) {
  // A JPEG start, one APP0 segment, then garbage where a marker must be.
  std::string garbage("\xFF\xD8\xFF\xE0\x00\x04\x00\x00", 8);
  for (int i = 0; i < 200; ++i) garbage += char((i * 37 + 11) & 0x7F);
  EXPECT_THAT(DecodeImage(garbage),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "malformed JPEG image: expected a marker at byte 8"));
  // Garbage right after the signature.
  std::string noise("\xFF\xD8\xFF", 3);
  for (int i = 0; i < 200; ++i) noise += char((i * 91 + 7) & 0xFF);
  EXPECT_THAT(DecodeImage(noise),
              StatusIs(absl::StatusCode::kInvalidArgument, "JPEG image"));
  // A valid JPEG cut inside its scan data.
  const std::string jpeg = Encode(Pattern(64, 64), ".jpg");
  EXPECT_THAT(DecodeImage(jpeg.substr(0, jpeg.size() * 2 / 3)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "JPEG image is truncated or corrupt"));
}

TEST(ImageDecodeBadMediaTest, ZeroByZeroImage) {
  EXPECT_THAT(DecodeImage(PngHeaderOnly(0, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "declares a size of 0x0 pixels"));
  EXPECT_THAT(DecodeImage(""),
              StatusIs(absl::StatusCode::kInvalidArgument, "empty"));
}

TEST(ImageDecodeBadMediaTest, VeryLongImageExceedsSideLimit) {
  const std::string png =
      Encode(cv::Mat(1, 100000, CV_8UC3, cv::Scalar(1, 2, 3)), ".png");
  EXPECT_THAT(DecodeImage(png),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "100000x1 pixels (width x height); each side may be at "
                       "most 16384"));
}

TEST(ImageDecodeBadMediaTest, DecompressionBombRejectedFromHeader) {
  // 16000 x 16000 declared in a 60-byte file: refused before decoding.
  const std::string bomb = PngHeaderOnly(16000, 16000);
  EXPECT_LT(bomb.size(), 100u);
  EXPECT_THAT(DecodeImage(bomb),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "256000000 pixels; at most 50000000"));
  // A real, highly compressible image over a lowered limit.
  const std::string big =
      Encode(cv::Mat(1000, 1000, CV_8UC3, cv::Scalar(0, 0, 0)), ".png");
  ImageDecodeLimits limits;
  limits.max_pixels = 999999;
  EXPECT_THAT(DecodeImage(big, "", limits),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "1000000 pixels; at most 999999"));
  limits = ImageDecodeLimits();
  limits.max_bytes = 100;
  EXPECT_THAT(
      DecodeImage(big, "", limits),
      StatusIs(absl::StatusCode::kInvalidArgument, "at most 100 are accepted"));
}

TEST(ImageDecodeBadMediaTest, UnsupportedMimeTypeAndFormat) {
  ASSERT_OK_AND_ASSIGN(std::string png, ReadFileBytes(MediaPath("image0.png")));
  EXPECT_THAT(DecodeImage(png, "image/tiff"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unsupported image MIME type 'image/tiff'"));
  EXPECT_THAT(DecodeImage(png, "image/jpeg"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "declared as image/jpeg but its data is PNG"));
  EXPECT_OK(DecodeImage(png, "IMAGE/PNG; charset=binary"));
  EXPECT_THAT(
      DecodeImage(std::string("II*\0\x08\0\0\0junkjunk", 16)),
      StatusIs(absl::StatusCode::kInvalidArgument, "unrecognised image data"));
}

TEST(ImageHeaderTest, ReadsDeclaredSizes) {
  const cv::Mat m = Pattern(9, 21);
  for (const char* ext : {".png", ".jpg", ".bmp", ".webp"}) {
    SCOPED_TRACE(ext);
    ASSERT_OK_AND_ASSIGN(ImageHeader h, ReadImageHeader(Encode(m, ext)));
    EXPECT_EQ(h.width, 21);
    EXPECT_EQ(h.height, 9);
  }
  ASSERT_OK_AND_ASSIGN(
      ImageHeader lossless,
      ReadImageHeader(Encode(m, ".webp", {cv::IMWRITE_WEBP_QUALITY, 101})));
  EXPECT_EQ(lossless.width, 21);
  EXPECT_EQ(lossless.height, 9);
  ASSERT_OK_AND_ASSIGN(ImageHeader gif, ReadImageHeader(TinyGif()));
  EXPECT_EQ(gif.format, ImageFormat::kGif);
  EXPECT_EQ(gif.width, 4);
  EXPECT_EQ(gif.height, 2);
}

}  // namespace
}  // namespace gemma::preprocess
