// End to end from pixel values to logits: the vision encoder's soft tokens
// (not the stored encoder output) placed into the text decoder at the
// placeholder positions, against keras-hub's logits for the golden prompts
// (README "Hugging Face-style image path" and the keras-hub placement with
// all 70 bins, empty ones included), and the 12-token greedy continuation.
//
// Tolerance: 1e-4 × max|golden logit|, the decoder's own golden tolerance;
// the encoder adds ~1e-6 relative (vision_golden_test), far below it.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "model/checkpoint/checkpoint.h"
#include "model/decoder/gemma4_model.h"
#include "model/vision/vision_encoder.h"
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

struct Case {
  std::string model_case;
  std::string prompt;  // File prefix inside the case folder.
  std::string pixels;  // Pixel/position file prefix.
  bool all_bins;       // keras-hub placement: all 70 bins.
  std::string name;
};

class ImageToLogitsTest : public ::testing::TestWithParam<Case> {};

TEST_P(ImageToLogitsTest, MatchesKerasHub) {
  const Case& c = GetParam();
  ASSERT_OK_AND_ASSIGN(auto ckpt,
                       LoadCheckpoint(GoldenPath(c.model_case + "/hf")));
  ASSERT_TRUE(ckpt->config.vision.has_value());
  const int H = ckpt->config.text.hidden_dim;
  const int V = ckpt->config.text.vocab_size;
  ASSERT_OK_AND_ASSIGN(auto encoder, VisionEncoder::Create(*ckpt->config.vision,
                                                           H, ckpt->weights));
  ModelOptions options;
  options.compute = ModelOptions::Compute::kF32;
  ASSERT_OK_AND_ASSIGN(
      auto model, Gemma4Model::Create(ckpt->config, ckpt->weights, options));

  ASSERT_OK_AND_ASSIGN(auto px,
                       ReadNpy(GoldenPath(c.pixels + "_pixel_values.npy")));
  ASSERT_OK_AND_ASSIGN(
      auto pos, ReadNpy(GoldenPath(c.pixels + "_pixel_position_ids.npy")));
  int real = 0;
  for (int64_t r = 0; r < pos.size() / 2; ++r) real += pos.i32()[2 * r] >= 0;
  VisionEncodeOptions enc_opt;
  enc_opt.include_empty_bins = c.all_bins;
  ASSERT_OK_AND_ASSIGN(
      VisionEncoding enc,
      encoder->Encode(absl::MakeConstSpan(px.f32(), px.size()),
                      absl::MakeConstSpan(pos.i32(), pos.size()), real,
                      enc_opt));

  const std::string pre = GoldenPath(c.model_case + "/" + c.prompt);
  ASSERT_OK_AND_ASSIGN(auto tokens_npy, ReadNpy(pre + "_token_ids.npy"));
  ASSERT_OK_AND_ASSIGN(auto idx_npy, ReadNpy(pre + "_vision_indices.npy"));
  ASSERT_OK_AND_ASSIGN(auto logits_npy, ReadNpy(pre + "_logits.npy"));
  ASSERT_OK_AND_ASSIGN(auto gen_npy,
                       ReadNpy(pre + "_iterated_forward_argmax_token_ids.npy"));
  std::vector<int32_t> tokens = tokens_npy.ToInts();
  std::vector<int> positions;
  for (int32_t i : idx_npy.ToInts()) positions.push_back(i);
  const int n = static_cast<int>(positions.size());
  ASSERT_EQ(enc.soft_tokens.size(), static_cast<size_t>(n) * H);
  ASSERT_EQ(positions.back() - positions.front() + 1, n);
  std::vector<std::pair<int, int>> blocks = {
      {positions.front(), positions.back() + 1}};
  MultimodalInput mm{enc.soft_tokens, positions, blocks};

  ASSERT_OK_AND_ASSIGN(
      PromptRun run,
      RunPromptThenGreedy(*model, tokens, &mm, gen_npy.ToInts().size()));
  EXPECT_TRUE(CloseToGolden(run.prompt_logits, logits_npy.ToFloats(), 1e-4, V));
  // Greedy continuation through the KV cache (decode steps are text only).
  EXPECT_EQ(run.tokens, gen_npy.ToInts());
}

INSTANTIATE_TEST_SUITE_P(
    Golden, ImageToLogitsTest,
    ::testing::Values(Case{"e2b_vision", "hfpipe_prompt0",
                           "e2b_vision/hfpipe_image0", false, "e2b_hfpipe0"},
                      Case{"e2b_vision", "hfpipe_prompt1",
                           "e2b_vision/hfpipe_image1", false, "e2b_hfpipe1"},
                      Case{"dense_vision", "hfpipe_prompt0",
                           "dense_vision/hfpipe_image0", false,
                           "dense_hfpipe0"},
                      Case{"dense_vision", "hfpipe_prompt1",
                           "dense_vision/hfpipe_image3", false,
                           "dense_hfpipe1"},
                      Case{"e2b_vision", "prompt0", "media/image0_kh", true,
                           "e2b_keras_placement0"},
                      Case{"dense_vision", "prompt2", "media/image2_kh", true,
                           "dense_keras_placement2"}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

}  // namespace
}  // namespace gemma::model
