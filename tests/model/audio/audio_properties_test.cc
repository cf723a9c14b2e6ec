// The audio tower at the real E2B/E4B widths (d_a 1024, 8 heads of 128, SSCP
// channels (128, 32) over 128 mels, output_proj 1536), one conformer block,
// random weights: shapes and token counts, and properties that follow from
// the spec — masked frames never matter (they are zeroed before each
// convolution and never attended to), so passing only the valid frames
// gives the same tokens.
#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "model/audio/audio_encoder.h"
#include "model/checkpoint/checkpoint.h"
#include "tests/testing/status_matchers.h"

namespace gemma::model {
namespace {

TEST(AudioPropertiesTest, RealWidths) {
  ASSERT_OK_AND_ASSIGN(ModelConfig config, NamedConfig("tiny"));
  ASSERT_OK_AND_ASSIGN(ModelConfig real, NamedConfig("e2b"));
  ASSERT_TRUE(real.audio.has_value());
  config.audio = real.audio;
  config.audio->num_layers = 1;
  config.vision.reset();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Checkpoint> ckpt,
                       MakeRandomCheckpoint(config, 11));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<AudioEncoder> enc,
      AudioEncoder::Create(*config.audio, config.text.hidden_dim,
                           ckpt->weights));
  const int dt = enc->text_hidden_dim(), mels = 128;

  // 99 valid frames (1 s of audio) followed by 29 masked ones.
  const int frames = 128, valid = 99;
  std::mt19937 rng(3);
  std::normal_distribution<float> n(-3.0f, 2.0f);
  std::vector<float> f(static_cast<size_t>(frames) * mels);
  for (float& v : f) v = n(rng);
  std::vector<int32_t> mask(frames, 0);
  std::fill(mask.begin(), mask.begin() + valid, 1);
  ASSERT_OK_AND_ASSIGN(AudioEncoding out, enc->Encode(f, mask));
  EXPECT_EQ(out.num_steps, 32);
  EXPECT_EQ(out.num_tokens, 25);  // ⌈99/4⌉.
  ASSERT_EQ(out.soft_tokens.size(), static_cast<size_t>(25) * dt);
  for (float v : out.soft_tokens) ASSERT_TRUE(std::isfinite(v));

  // Other values in the masked frames: identical tokens.
  std::vector<float> g = f;
  for (size_t i = static_cast<size_t>(valid) * mels; i < g.size(); ++i) {
    g[i] = 5.0f;
  }
  ASSERT_OK_AND_ASSIGN(AudioEncoding same, enc->Encode(g, mask));
  EXPECT_EQ(same.soft_tokens, out.soft_tokens);

  // Only the valid frames: the same tokens up to float32 rounding (matmul
  // blocking depends on the row count).
  ASSERT_OK_AND_ASSIGN(
      AudioEncoding trimmed,
      enc->Encode(absl::MakeConstSpan(f).subspan(0, valid * mels),
                  absl::MakeConstSpan(mask).subspan(0, valid)));
  ASSERT_EQ(trimmed.soft_tokens.size(), out.soft_tokens.size());
  double scale = 0, diff = 0;
  for (size_t i = 0; i < out.soft_tokens.size(); ++i) {
    scale = std::max(scale, std::fabs(double{out.soft_tokens[i]}));
    diff = std::max(
        diff, std::fabs(double{out.soft_tokens[i]} - trimmed.soft_tokens[i]));
  }
  EXPECT_GT(scale, 0.0);
  EXPECT_LE(diff, 1e-4 * scale);
}

}  // namespace
}  // namespace gemma::model
