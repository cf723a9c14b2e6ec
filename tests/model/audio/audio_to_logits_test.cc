// End to end from log-mel features to logits: the audio encoder's soft
// tokens (not the stored encoder output) placed into the text decoder at
// the `<|audio|>` placeholder positions, against keras-hub's logits for the
// golden e2b_audio prompts, and the 12-token greedy continuation.
//
// Tolerance: 1e-4 × max|golden logit|, the decoder's own golden tolerance;
// the encoder adds ≤ 5e-6 relative (audio_golden_test), far below it.
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/audio/audio_encoder.h"
#include "model/checkpoint/checkpoint.h"
#include "model/decoder/gemma4_model.h"
#include "tests/testing/golden_compare.h"
#include "tests/testing/npy.h"
#include "tests/testing/prompt_run.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"

namespace gemma::model {
namespace {

using ::gemma::testing::CloseToGolden;
using ::gemma::testing::GoldenPath;
using ::gemma::testing::PromptRun;
using ::gemma::testing::ReadNpy;
using ::gemma::testing::RunPromptThenGreedy;

class AudioToLogitsTest : public ::testing::TestWithParam<int> {};

TEST_P(AudioToLogitsTest, MatchesKerasHub) {
  const int k = GetParam();  // Prompt k uses audioK.
  ASSERT_OK_AND_ASSIGN(auto ckpt, LoadCheckpoint(GoldenPath("e2b_audio/hf")));
  ASSERT_TRUE(ckpt->config.audio.has_value());
  const int H = ckpt->config.text.hidden_dim;
  const int V = ckpt->config.text.vocab_size;
  ASSERT_OK_AND_ASSIGN(auto encoder, AudioEncoder::Create(*ckpt->config.audio,
                                                          H, ckpt->weights));
  ModelOptions options;
  options.compute = ModelOptions::Compute::kF32;
  ASSERT_OK_AND_ASSIGN(
      auto model, Gemma4Model::Create(ckpt->config, ckpt->weights, options));

  // The converter's [3000, 128] output is the stored 256 frames followed by
  // the constant of the last stored frame (README).
  const std::string a = "media/audio" + std::to_string(k);
  ASSERT_OK_AND_ASSIGN(auto feats, ReadNpy(GoldenPath(a + "_kh_features.npy")));
  ASSERT_OK_AND_ASSIGN(auto mask,
                       ReadNpy(GoldenPath(a + "_kh_features_mask.npy")));
  std::vector<float> f = feats.ToFloats();
  f.resize(static_cast<size_t>(mask.size()) * 128, f.back());
  ASSERT_OK_AND_ASSIGN(
      AudioEncoding enc,
      encoder->Encode(f, absl::MakeConstSpan(mask.i32(), mask.size())));

  const std::string pre = GoldenPath("e2b_audio/prompt" + std::to_string(k));
  ASSERT_OK_AND_ASSIGN(auto tokens_npy, ReadNpy(pre + "_token_ids.npy"));
  ASSERT_OK_AND_ASSIGN(auto idx_npy, ReadNpy(pre + "_audio_indices.npy"));
  ASSERT_OK_AND_ASSIGN(auto logits_npy, ReadNpy(pre + "_logits.npy"));
  ASSERT_OK_AND_ASSIGN(auto gen_npy, ReadNpy(pre + "_generate_token_ids.npy"));
  std::vector<int32_t> tokens = tokens_npy.ToInts();
  std::vector<int> positions;
  for (int32_t i : idx_npy.ToInts()) positions.push_back(i);
  ASSERT_EQ(enc.num_tokens, static_cast<int>(positions.size()));
  MultimodalInput mm{enc.soft_tokens, positions, {}};

  ASSERT_OK_AND_ASSIGN(
      PromptRun run,
      RunPromptThenGreedy(*model, tokens, &mm, gen_npy.ToInts().size()));
  EXPECT_TRUE(CloseToGolden(run.prompt_logits, logits_npy.ToFloats(), 1e-4, V));
  EXPECT_EQ(run.tokens, gen_npy.ToInts());
}

INSTANTIATE_TEST_SUITE_P(Golden, AudioToLogitsTest, ::testing::Values(0, 1));

}  // namespace
}  // namespace gemma::model
