#include "preprocess/image_processor.h"

#include <cstring>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "preprocess/image_decode.h"
#include "tests/preprocess/media_test_util.h"
#include "tests/testing/npy.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"

namespace gemma::preprocess {
namespace {

using ::gemma::testing::GoldenPath;
using ::gemma::testing::ReadNpy;
using ::gemma::testing::StatusIs;
using testing::MediaPath;
using testing::ReadFileBytes;

ImageProcessorOptions WithBudget(int s) {
  ImageProcessorOptions o;
  o.max_soft_tokens = s;
  return o;
}

// The Hugging Face-style pixel values and position ids (decode, Pillow resize,
// float64 rescale, patchify, pad) must be reproduced exactly.
TEST(ImageProcessorTest, MatchesHfPipeFixturesExactly) {
  const struct {
    const char* folder;
    const char* image;
    int tokens;
    int pooled_rows, pooled_cols;
  } cases[] = {{"e2b_vision", "image0", 60, 6, 10},
               {"e2b_vision", "image1", 60, 15, 4},
               {"dense_vision", "image0", 60, 6, 10},
               {"dense_vision", "image3", 70, 5, 14}};
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.folder) + "/" + c.image);
    ASSERT_OK_AND_ASSIGN(
        std::string bytes,
        ReadFileBytes(MediaPath(std::string(c.image) + ".png")));
    ASSERT_OK_AND_ASSIGN(RgbImage img, DecodeImage(bytes));
    ASSERT_OK_AND_ASSIGN(ProcessedImage out, ProcessImage(img, WithBudget(70)));
    const std::string prefix =
        GoldenPath(std::string(c.folder) + "/hfpipe_" + c.image);
    ASSERT_OK_AND_ASSIGN(auto pv, ReadNpy(prefix + "_pixel_values.npy"));
    ASSERT_OK_AND_ASSIGN(auto pos, ReadNpy(prefix + "_pixel_position_ids.npy"));
    ASSERT_EQ(pv.shape, (std::vector<int64_t>{630, 768}));
    ASSERT_EQ(out.max_patches, 630);
    ASSERT_EQ(out.patch_dim, 768);
    ASSERT_EQ(out.pixel_values.size(), static_cast<size_t>(pv.size()));
    // Bit-identical (the fixture rule is float64 u * (1/255) -> float32).
    EXPECT_EQ(std::memcmp(out.pixel_values.data(), pv.f32(), pv.bytes.size()),
              0);
    size_t diffs = 0;
    for (int64_t i = 0; i < pv.size(); ++i) {
      diffs += out.pixel_values[i] != pv.f32()[i];
    }
    EXPECT_EQ(diffs, 0u);
    EXPECT_EQ(out.position_ids, pos.ToInts());
    EXPECT_EQ(out.num_soft_tokens, c.tokens);
    EXPECT_EQ(out.num_real_patches, c.tokens * 9);
    EXPECT_EQ(out.pooled_rows, c.pooled_rows);
    EXPECT_EQ(out.pooled_cols, c.pooled_cols);
  }
}

TEST(ImageProcessorTest, TargetSizesMatchHfReferenceForEveryBudget) {
  std::ifstream in(MediaPath("hf_image_reference.json"));
  ASSERT_TRUE(in.good());
  const nlohmann::json ref = nlohmann::json::parse(in);
  std::ifstream in2(MediaPath("images.json"));
  const nlohmann::json images = nlohmann::json::parse(in2);
  int checked = 0;
  for (const auto& [name, entry] : ref.items()) {
    const int h = images[name]["input_height"];
    const int w = images[name]["input_width"];
    for (int s : {70, 140, 280, 560, 1120}) {
      SCOPED_TRACE(name + " S=" + std::to_string(s));
      const auto& want = entry["S" + std::to_string(s)];
      ASSERT_OK_AND_ASSIGN(TargetSize t,
                           ComputeTargetSize(h, w, WithBudget(s)));
      EXPECT_EQ(t.height, want["target_height"].get<int>());
      EXPECT_EQ(t.width, want["target_width"].get<int>());
      ASSERT_OK_AND_ASSIGN(int n, NumImageSoftTokens(h, w, WithBudget(s)));
      EXPECT_EQ(n, want["num_soft_tokens"].get<int>());
      ++checked;
    }
  }
  EXPECT_EQ(checked, 25);
}

struct SizeCase {
  int h, w, s, th, tw, tokens;
};

TEST(ImageProcessorTest, SpecWorkedExamples) {
  const SizeCase cases[] = {
      {1000, 1000, 280, 768, 768, 256},
      {1000, 1000, 70, 384, 384, 64},
      {1000, 1000, 1120, 1584, 1584, 1089},
      {224, 224, 280, 768, 768, 256},
      {1080, 1920, 280, 576, 1056, 264},
      {1080, 1920, 70, 288, 528, 66},
      {1080, 1920, 1120, 1200, 2112, 1100},
      {480, 640, 280, 672, 912, 266},
      {480, 640, 70, 336, 432, 63},
      {480, 640, 1120, 1344, 1824, 1064},
      {100, 5000, 280, 96, 5664, 236},
      {100, 5000, 70, 48, 2832, 59},
      {100, 5000, 1120, 192, 11328, 944},
      {61, 97, 70, 288, 480, 60},
      {61, 97, 280, 624, 1008, 273},
      // Exact-boundary sizes where float64 rounding decides (spec 1.2).
      {55, 154, 70, 192, 672, 56},
      {95, 266, 70, 240, 672, 70},
      {201, 37, 70, 912, 144, 57},
  };
  for (const SizeCase& c : cases) {
    SCOPED_TRACE(std::to_string(c.h) + "x" + std::to_string(c.w) +
                 " S=" + std::to_string(c.s));
    ASSERT_OK_AND_ASSIGN(TargetSize t,
                         ComputeTargetSize(c.h, c.w, WithBudget(c.s)));
    EXPECT_EQ(t.height, c.th);
    EXPECT_EQ(t.width, c.tw);
    ASSERT_OK_AND_ASSIGN(int n, NumImageSoftTokens(c.h, c.w, WithBudget(c.s)));
    EXPECT_EQ(n, c.tokens);
  }
}

TEST(ImageProcessorTest, ExtremeAspectRatiosUseHfEdgeCases) {
  // One side rounds to zero: it becomes 48 and the other floor(ratio) * 48,
  // capped at S * 48, which exactly fills the budget.
  for (int s : {70, 140, 280, 560, 1120}) {
    SCOPED_TRACE(s);
    ASSERT_OK_AND_ASSIGN(TargetSize wide,
                         ComputeTargetSize(1, 10000, WithBudget(s)));
    EXPECT_EQ(wide.height, 48);
    EXPECT_EQ(wide.width, s * 48);
    ASSERT_OK_AND_ASSIGN(TargetSize tall,
                         ComputeTargetSize(10000, 1, WithBudget(s)));
    EXPECT_EQ(tall.height, s * 48);
    EXPECT_EQ(tall.width, 48);
    EXPECT_EQ(*NumImageSoftTokens(1, 10000, WithBudget(s)), s);
    EXPECT_EQ(*NumImageSoftTokens(10000, 1, WithBudget(s)), s);
  }
  // 5 x 1000 at S=70: f*5 < 48, so 48 x min(200 * 48, 70 * 48).
  ASSERT_OK_AND_ASSIGN(TargetSize t,
                       ComputeTargetSize(5, 1000, WithBudget(70)));
  EXPECT_EQ(t.height, 48);
  EXPECT_EQ(t.width, 3360);
  // The processed 1 x 10000 image fills every patch row.
  RgbImage line(1, 10000);
  ASSERT_OK_AND_ASSIGN(ProcessedImage p, ProcessImage(line, WithBudget(70)));
  EXPECT_EQ(p.num_real_patches, 630);
  EXPECT_EQ(p.patch_rows, 3);
  EXPECT_EQ(p.patch_cols, 210);
}

TEST(ImageProcessorTest, SizeRuleNeverExceedsBudget) {
  for (int s : {70, 280, 1120}) {
    for (int h = 1; h <= 400; h += 7) {
      for (int w = 1; w <= 3000; w += 61) {
        ASSERT_OK_AND_ASSIGN(TargetSize t,
                             ComputeTargetSize(h, w, WithBudget(s)));
        ASSERT_EQ(t.height % 48, 0);
        ASSERT_EQ(t.width % 48, 0);
        ASSERT_LE((t.height / 48) * (t.width / 48), s) << h << "x" << w;
      }
    }
  }
}

TEST(ImageProcessorTest, PatchLayoutAndPadding) {
  // A 48 x 96 image already at a valid size, patchified directly.
  RgbImage img(48, 96);
  for (int y = 0; y < 48; ++y) {
    for (int x = 0; x < 96; ++x) {
      img.Row(y)[x * 3 + 0] = uint8_t(x);
      img.Row(y)[x * 3 + 1] = uint8_t(y);
      img.Row(y)[x * 3 + 2] = 255;
    }
  }
  ASSERT_OK_AND_ASSIGN(ProcessedImage p, PatchifyResized(img, WithBudget(70)));
  EXPECT_EQ(p.patch_rows, 3);
  EXPECT_EQ(p.patch_cols, 6);
  EXPECT_EQ(p.num_soft_tokens, 2);
  // Patch (r=0, c=1) has position (1, 0); its first values are pixel (0, 16).
  EXPECT_EQ(p.position_ids[2], 1);
  EXPECT_EQ(p.position_ids[3], 0);
  EXPECT_EQ(p.pixel_values[768 + 0], static_cast<float>(16.0 / 255.0));
  EXPECT_EQ(p.pixel_values[768 + 2], 1.0f);
  // Patch 7 = (r=1, c=1); element (py=2, px=3, ch=1) is pixel (18, 19) green.
  EXPECT_EQ(p.position_ids[14], 1);
  EXPECT_EQ(p.position_ids[15], 1);
  EXPECT_EQ(p.pixel_values[7 * 768 + (2 * 16 + 3) * 3 + 1],
            static_cast<float>(18.0 / 255.0));
  // Padding rows.
  for (int r = 18; r < 630; ++r) {
    ASSERT_EQ(p.position_ids[r * 2], -1);
    ASSERT_EQ(p.position_ids[r * 2 + 1], -1);
    ASSERT_EQ(p.pixel_values[r * 768 + 5], 0.0f);
  }
}

TEST(ImageProcessorTest, RescaleRulesAgreeOnEveryLevel) {
  RgbImage img(48, 48);
  for (size_t i = 0; i < img.data.size(); ++i) img.data[i] = uint8_t(i % 256);
  ImageProcessorOptions div = WithBudget(70);
  div.rescale = ImageProcessorOptions::Rescale::kDivideFloat32;
  ASSERT_OK_AND_ASSIGN(ProcessedImage a, PatchifyResized(img, WithBudget(70)));
  ASSERT_OK_AND_ASSIGN(ProcessedImage b, PatchifyResized(img, div));
  EXPECT_EQ(a.pixel_values, b.pixel_values);
}

TEST(ImageProcessorTest, RejectsInvalidInput) {
  EXPECT_THAT(
      ComputeTargetSize(10, 10, WithBudget(100)),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "max_soft_tokens must be one of 70, 140, 280, 560, 1120"));
  EXPECT_THAT(ComputeTargetSize(0, 10),
              StatusIs(absl::StatusCode::kInvalidArgument, "must be positive"));
  EXPECT_THAT(PatchifyResized(RgbImage(50, 48)),
              StatusIs(absl::StatusCode::kInvalidArgument, "multiples of 48"));
  EXPECT_THAT(ProcessImage(RgbImage()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// keras-hub parity mode against Gemma4ImageConverter's own output:
// bit-identical pixel values (float resize without intermediate rounding,
// float32 x * (1/255)) and identical position ids.
TEST(ImageProcessorKerasHubTest, MatchesKerasHubConverterOutput) {
  ImageProcessorOptions kh = WithBudget(70);
  kh.convention = ImageProcessorOptions::Convention::kKerasHub;
  for (int k = 0; k < 5; ++k) {
    SCOPED_TRACE(k);
    const std::string name = "image" + std::to_string(k);
    ASSERT_OK_AND_ASSIGN(std::string bytes,
                         ReadFileBytes(MediaPath(name + ".png")));
    ASSERT_OK_AND_ASSIGN(RgbImage img, DecodeImage(bytes));
    ASSERT_OK_AND_ASSIGN(ProcessedImage out, ProcessImage(img, kh));
    ASSERT_OK_AND_ASSIGN(auto pv,
                         ReadNpy(MediaPath(name + "_kh_pixel_values.npy")));
    ASSERT_OK_AND_ASSIGN(
        auto pos, ReadNpy(MediaPath(name + "_kh_pixel_position_ids.npy")));
    EXPECT_EQ(out.position_ids, pos.ToInts());
    ASSERT_EQ(out.pixel_values.size(), static_cast<size_t>(pv.size()));
    size_t diffs = 0;
    for (int64_t i = 0; i < pv.size(); ++i) {
      diffs += out.pixel_values[i] != pv.f32()[i];
    }
    EXPECT_EQ(diffs, 0u);
  }
}

TEST(ImageProcessorKerasHubTest, Float32SizingAndClamps) {
  ImageProcessorOptions kh = WithBudget(70);
  kh.convention = ImageProcessorOptions::Convention::kKerasHub;
  // Exact-boundary sizes where float32 and float64 disagree (spec 1.2).
  ASSERT_OK_AND_ASSIGN(TargetSize a, ComputeTargetSize(55, 154, kh));
  EXPECT_EQ(a.height, 240);
  EXPECT_EQ(a.width, 672);
  ASSERT_OK_AND_ASSIGN(TargetSize b, ComputeTargetSize(95, 266, kh));
  EXPECT_EQ(b.height, 192);
  EXPECT_EQ(b.width, 672);
  // Common sizes agree with HF.
  for (auto [h, w] : {std::pair{480, 640}, std::pair{1080, 1920},
                      std::pair{3024, 4032}, std::pair{61, 97}}) {
    ASSERT_OK_AND_ASSIGN(TargetSize k, ComputeTargetSize(h, w, kh));
    ASSERT_OK_AND_ASSIGN(TargetSize f, ComputeTargetSize(h, w, WithBudget(70)));
    EXPECT_EQ(k.height, f.height);
    EXPECT_EQ(k.width, f.width);
  }
  // A side rounding to zero is clamped to 48 (the other is not capped), so
  // the budget can be exceeded; processing then refuses the image.
  ASSERT_OK_AND_ASSIGN(TargetSize c, ComputeTargetSize(1, 10000, kh));
  EXPECT_EQ(c.height, 48);
  EXPECT_GT(c.width, 70 * 48);
  EXPECT_THAT(ProcessImage(RgbImage(1, 10000), kh),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "more than the budget of 630"));
}

}  // namespace
}  // namespace gemma::preprocess
