// The multimodal hooks of the decoder against the golden image fixtures
// (README "Hugging Face-style image path"): the vision encoder's soft
// tokens (stored encoder output) are injected at the placeholder positions,
// the image's placeholder run attends bidirectionally on sliding layers
// where the config asks for it (dense_vision), and the logits at every
// position and the 12-token greedy continuation through the KV cache must
// match keras-hub's.
//
// Tolerance as in golden_test.cc: 1e-4 × max|golden logit|; the fixture's
// own Hugging Face reload differs by up to 1.3e-4 (e2b_vision, cap 6).
#include <iostream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
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
using ::gemma::testing::MaxAbsDiff;
using ::gemma::testing::PromptRun;
using ::gemma::testing::ReadNpy;
using ::gemma::testing::RunPromptThenGreedy;

struct VisionCase {
  std::string model_case;
  int prompt;
  std::string image;  // From hfpipe_expected.json (README table).
};

void PrintTo(const VisionCase& c, std::ostream* os) {
  *os << c.model_case << " prompt " << c.prompt << " (" << c.image << ")";
}

class MultimodalGoldenTest : public ::testing::TestWithParam<VisionCase> {};

TEST_P(MultimodalGoldenTest, SoftTokensAndBidirectionalBlock) {
  const VisionCase& c = GetParam();
  const std::string dir = GoldenPath(c.model_case);
  LoadOptions load;
  load.load_vision = false;
  load.load_audio = false;
  ASSERT_OK_AND_ASSIGN(auto ckpt, LoadCheckpoint(dir + "/hf", load));
  ModelOptions options;
  options.compute = ModelOptions::Compute::kF32;
  ASSERT_OK_AND_ASSIGN(
      auto model, Gemma4Model::Create(ckpt->config, ckpt->weights, options));
  const int H = ckpt->config.text.hidden_dim, V = ckpt->config.text.vocab_size;
  const std::string pre = dir + "/hfpipe_prompt" + std::to_string(c.prompt);
  ASSERT_OK_AND_ASSIGN(auto tokens_npy, ReadNpy(pre + "_token_ids.npy"));
  ASSERT_OK_AND_ASSIGN(auto idx_npy, ReadNpy(pre + "_vision_indices.npy"));
  ASSERT_OK_AND_ASSIGN(auto logits_npy, ReadNpy(pre + "_logits.npy"));
  ASSERT_OK_AND_ASSIGN(auto gen_npy,
                       ReadNpy(pre + "_iterated_forward_argmax_token_ids.npy"));
  ASSERT_OK_AND_ASSIGN(auto enc_npy, ReadNpy(dir + "/hfpipe_" + c.image +
                                             "_vision_encoder_output.npy"));
  std::vector<int32_t> tokens = tokens_npy.ToInts();
  std::vector<int32_t> idx = idx_npy.ToInts();
  std::vector<float> golden = logits_npy.ToFloats();
  std::vector<float> enc = enc_npy.ToFloats();
  const int n = static_cast<int>(idx.size());
  ASSERT_EQ(enc_npy.shape[1], H);
  ASSERT_GE(enc_npy.shape[0], n);

  std::vector<int> positions(idx.begin(), idx.end());
  std::vector<float> rows(enc.begin(),
                          enc.begin() + static_cast<size_t>(n) * H);
  // One image: its placeholders form one consecutive run.
  ASSERT_EQ(positions.back() - positions.front() + 1, n);
  std::vector<std::pair<int, int>> blocks = {
      {positions.front(), positions.back() + 1}};
  MultimodalInput mm{rows, positions, blocks};

  ASSERT_OK_AND_ASSIGN(
      PromptRun run,
      RunPromptThenGreedy(*model, tokens, &mm, gen_npy.ToInts().size()));
  std::cout << c.model_case << " prompt " << c.prompt << ": max |logit diff| "
            << MaxAbsDiff(run.prompt_logits, golden) << "\n";
  EXPECT_TRUE(CloseToGolden(run.prompt_logits, golden, 1e-4, V));
  // Greedy continuation through the cache (decode steps are text only).
  EXPECT_EQ(run.tokens, gen_npy.ToInts());
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, MultimodalGoldenTest,
    ::testing::Values(VisionCase{"e2b_vision", 0, "image0"},
                      VisionCase{"e2b_vision", 1, "image1"},
                      VisionCase{"dense_vision", 0, "image0"},
                      VisionCase{"dense_vision", 1, "image3"}),
    [](const ::testing::TestParamInfo<VisionCase>& info) {
      return info.param.model_case + "_prompt" +
             std::to_string(info.param.prompt);
    });

}  // namespace
}  // namespace gemma::model
