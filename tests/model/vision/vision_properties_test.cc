// The vision tower at the real towers' widths (E2B/E4B on-device: 768 wide,
// 12 heads of 64, clipped; 26B/31B large: 1152 wide, 16 heads of 72,
// standardize), one block each, random weights: shapes, and properties that
// follow from the spec — padding rows never matter, the order of the real
// patch rows never matters (pooling follows the position ids), empty bins
// are the projection of the pooled zero vector.
#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/checkpoint/checkpoint.h"
#include "model/vision/vision_encoder.h"
#include "tests/testing/status_matchers.h"

namespace gemma::model {
namespace {

struct Image {
  std::vector<float> pixels;
  std::vector<int32_t> positions;
  int real = 0;
};

// An n_h×n_w patch grid padded to `rows`, random pixels in [0, 1].
Image MakeImage(int n_h, int n_w, int rows, int patch_dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  Image im;
  im.real = n_h * n_w;
  im.pixels.assign(static_cast<size_t>(rows) * patch_dim, 0.0f);
  im.positions.assign(static_cast<size_t>(rows) * 2, -1);
  for (int r = 0; r < im.real; ++r) {
    for (int j = 0; j < patch_dim; ++j) im.pixels[r * patch_dim + j] = u(rng);
    im.positions[2 * r] = r % n_w;
    im.positions[2 * r + 1] = r / n_w;
  }
  return im;
}

class VisionPropertiesTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(ModelConfig config, NamedConfig("tiny"));
    ASSERT_OK_AND_ASSIGN(ModelConfig real, NamedConfig(GetParam()));
    ASSERT_TRUE(real.vision.has_value());
    config.vision = real.vision;
    config.vision->num_layers = 1;
    config.audio.reset();
    ASSERT_OK_AND_ASSIGN(ckpt_, MakeRandomCheckpoint(config, 7));
    ASSERT_OK_AND_ASSIGN(
        encoder_, VisionEncoder::Create(*config.vision, config.text.hidden_dim,
                                        ckpt_->weights));
  }
  std::unique_ptr<Checkpoint> ckpt_;
  std::unique_ptr<VisionEncoder> encoder_;
};

TEST_P(VisionPropertiesTest, ShapesPaddingAndOrder) {
  const VisionEncoder& enc = *encoder_;
  const int pd = enc.patch_dim(), dt = enc.text_hidden_dim();
  // 6×9 patches (a 96×144 image), padded to 63 rows (7 bins).
  Image im = MakeImage(6, 9, 63, pd, 1);
  VisionEncodeOptions all;
  all.include_empty_bins = true;
  ASSERT_OK_AND_ASSIGN(VisionEncoding out,
                       enc.Encode(im.pixels, im.positions, im.real, all));
  EXPECT_EQ(out.num_soft_tokens, 6);
  EXPECT_EQ(out.num_bins, 7);
  EXPECT_EQ(out.grid_rows, 6);
  EXPECT_EQ(out.grid_cols, 9);
  ASSERT_EQ(out.soft_tokens.size(), static_cast<size_t>(7) * dt);
  for (float v : out.soft_tokens) ASSERT_TRUE(std::isfinite(v));

  // Empty bins: zero without standardize; otherwise all the projection of
  // RMSNorm(−std_bias·std_scale), equal up to the matmul's per-row rounding.
  const bool standardize = enc.config().standardize;
  int mismatches = 0;
  for (int b = 6; b < 7; ++b) {
    for (int j = 0; j < dt; ++j) {
      const float v = out.soft_tokens[b * dt + j];
      const float ref = standardize ? out.soft_tokens[6 * dt + j] : 0.0f;
      if (!(std::fabs(v - ref) <= 1e-5f * (1.0f + std::fabs(ref)))) {
        ++mismatches;
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
  if (standardize) {
    double norm = 0;
    for (int j = 0; j < dt; ++j) norm += std::fabs(out.soft_tokens[6 * dt + j]);
    EXPECT_GT(norm, 0.0);
  }

  // Garbage in padding rows changes nothing.
  Image noisy = im;
  for (size_t i = static_cast<size_t>(im.real) * pd; i < noisy.pixels.size();
       ++i) {
    noisy.pixels[i] = 7.0f;
  }
  ASSERT_OK_AND_ASSIGN(VisionEncoding same,
                       enc.Encode(noisy.pixels, noisy.positions, im.real, all));
  EXPECT_EQ(same.soft_tokens, out.soft_tokens);

  // Real patches in reverse order (positions travel with them): the same
  // soft tokens up to float32 summation order.
  Image rev = im;
  for (int r = 0; r < im.real; ++r) {
    const int src = im.real - 1 - r;
    std::copy_n(im.pixels.begin() + static_cast<size_t>(src) * pd, pd,
                rev.pixels.begin() + static_cast<size_t>(r) * pd);
    rev.positions[2 * r] = im.positions[2 * src];
    rev.positions[2 * r + 1] = im.positions[2 * src + 1];
  }
  ASSERT_OK_AND_ASSIGN(VisionEncoding reordered,
                       enc.Encode(rev.pixels, rev.positions, im.real, all));
  double scale = 0, diff = 0;
  for (size_t i = 0; i < out.soft_tokens.size(); ++i) {
    scale = std::max(scale, std::fabs(double{out.soft_tokens[i]}));
    diff = std::max(
        diff, std::fabs(double{out.soft_tokens[i]} - reordered.soft_tokens[i]));
  }
  EXPECT_LE(diff, 1e-4 * scale);

  // A different grid shape of the same size pools differently.
  Image tall = MakeImage(9, 6, 63, pd, 1);
  ASSERT_OK_AND_ASSIGN(VisionEncoding t,
                       enc.Encode(tall.pixels, tall.positions, tall.real));
  EXPECT_EQ(t.grid_rows, 9);
  EXPECT_EQ(t.soft_tokens.size(), static_cast<size_t>(6) * dt);
  EXPECT_NE(t.soft_tokens,
            std::vector<float>(out.soft_tokens.begin(),
                               out.soft_tokens.begin() + 6 * dt));
}

INSTANTIATE_TEST_SUITE_P(RealWidths, VisionPropertiesTest,
                         ::testing::Values("e2b", "dense"));

}  // namespace
}  // namespace gemma::model
