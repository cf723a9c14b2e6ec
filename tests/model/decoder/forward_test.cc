// Gemma4Model::Forward on a small random model: input errors, forked
// sequences sharing blocks (copy-on-write of the partly filled block),
// mixed prefill/decode batches with hidden-state output, and the optional
// second (task) soft cap.
#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <vector>

#include "gtest/gtest.h"
#include "model/checkpoint/checkpoint.h"
#include "model/decoder/gemma4_model.h"
#include "tests/testing/status_matchers.h"

namespace gemma::model {
namespace {

using ::gemma::testing::StatusIs;

class ForwardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(ModelConfig config, NamedConfig("tiny"));
    config.vision.reset();
    config.audio.reset();
    ASSERT_OK_AND_ASSIGN(ckpt_, MakeRandomCheckpoint(config, 7));
    ASSERT_OK_AND_ASSIGN(model_,
                         Gemma4Model::Create(ckpt_->config, ckpt_->weights));
    state_ = model_->NewState();
    ASSERT_OK_AND_ASSIGN(kv_, KvCache::Create(ckpt_->config.text, 64, 4));
  }
  std::vector<float> Run(const std::vector<int32_t>& tokens,
                         std::vector<int> blocks) {
    ForwardEntry e{tokens, 0, blocks, true};
    ForwardOutput out;
    EXPECT_OK(model_->Forward(state_.get(), kv_.get(), {&e, 1}, &out));
    return out.logits;
  }

  std::unique_ptr<Checkpoint> ckpt_;
  std::unique_ptr<Gemma4Model> model_;
  std::unique_ptr<ForwardState> state_;
  std::unique_ptr<KvCache> kv_;
};

TEST_F(ForwardTest, RejectsBadInputs) {
  std::vector<int32_t> tokens = {2, 5, 9};
  std::vector<int> blocks = {0};
  ForwardOutput out;
  auto run = [&](const ForwardEntry& e) {
    return model_->Forward(state_.get(), kv_.get(), {&e, 1}, &out);
  };
  EXPECT_THAT(run({tokens, 0, blocks, false}), ::gemma::testing::IsOk());
  std::vector<int32_t> bad = {2, 768};
  EXPECT_THAT(
      run({bad, 0, blocks, false}),
      StatusIs(absl::StatusCode::kInvalidArgument, "outside the vocabulary"));
  EXPECT_THAT(run({tokens, 2, blocks, false}),
              StatusIs(absl::StatusCode::kInvalidArgument, "block table"));
  std::vector<int> far = {64};
  EXPECT_THAT(run({tokens, 0, far, false}),
              StatusIs(absl::StatusCode::kInvalidArgument, "outside the pool"));
  EXPECT_THAT(run({{}, 0, blocks, false}),
              StatusIs(absl::StatusCode::kInvalidArgument, "no tokens"));
  EXPECT_THAT(run({tokens, -1, blocks, false}),
              StatusIs(absl::StatusCode::kInvalidArgument, "negative"));
  std::vector<float> rows(48 * 2);
  std::vector<int> pos = {1};
  MultimodalInput mm{rows, pos, {}};
  EXPECT_THAT(run({tokens, 0, blocks, false, &mm}),
              StatusIs(absl::StatusCode::kInvalidArgument, "embeddings hold"));
  std::vector<int> pos2 = {1, 7};
  MultimodalInput mm2{rows, pos2, {}};
  EXPECT_THAT(
      run({tokens, 0, blocks, false, &mm2}),
      StatusIs(absl::StatusCode::kInvalidArgument, "outside the chunk"));
  // A cache built for another config.
  TextConfig other = ckpt_->config.text;
  other.num_kv_shared_layers = 0;
  ASSERT_OK_AND_ASSIGN(auto kv2, KvCache::Create(other, 4, 4));
  ForwardEntry e{tokens, 0, blocks, false};
  EXPECT_THAT(model_->Forward(state_.get(), kv2.get(), {&e, 1}, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "different model"));
}

TEST_F(ForwardTest, BidirectionalBlockMustNotStraddleChunks) {
  ModelConfig config = ckpt_->config;
  config.text.vision_bidirectional_attention = true;
  ASSERT_OK_AND_ASSIGN(auto model, Gemma4Model::Create(config, ckpt_->weights));
  auto state = model->NewState();
  const int H = config.text.hidden_dim;
  std::vector<int32_t> tokens = {2, 10, 12, 12, 12, 11};
  std::vector<int> blocks = {0, 1};
  std::vector<float> rows(3 * H, 0.5f);
  std::vector<int> pos = {2, 3, 4};
  std::vector<std::pair<int, int>> whole = {{2, 5}}, straddle = {{2, 7}};
  MultimodalInput ok{rows, pos, whole}, bad{rows, pos, straddle};
  ForwardOutput out;
  ForwardEntry e{tokens, 0, blocks, false, &ok};
  EXPECT_OK(model->Forward(state.get(), kv_.get(), {&e, 1}, &out));
  e.mm = &bad;
  EXPECT_THAT(model->Forward(state.get(), kv_.get(), {&e, 1}, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "straddles"));
}

TEST_F(ForwardTest, ForkedSequencesShareBlocksWithCopyOnWrite) {
  const int V = ckpt_->config.text.vocab_size;
  std::vector<int32_t> prompt = {2, 17, 300, 41, 77, 5, 600, 12, 9, 33};
  // Sequence A: blocks 0,1,2 (position 8, 9 in block 2, partly filled).
  std::vector<int> a = {0, 1, 2};
  Run(prompt, a);
  // Fork B: shares full blocks 0 and 1, copies the partial block 2 -> 3.
  kv_->CopyBlock(2, 3, 2);
  std::vector<int> b = {0, 1, 3};
  std::vector<int32_t> xa = {100}, xb = {200};
  ForwardEntry batch[2] = {{xa, 10, a, false}, {xb, 10, b, false}};
  ForwardOutput out;
  ASSERT_OK(model_->Forward(state_.get(), kv_.get(), batch, &out));
  // References: each continuation computed from scratch in other blocks
  // (a different row count sums in another order: ~1e-5 noise).
  for (int i = 0; i < 2; ++i) {
    std::vector<int32_t> full = prompt;
    full.push_back(i == 0 ? 100 : 200);
    auto ref = Run(full, {10, 11, 12});
    const float* want = ref.data() + static_cast<size_t>(10) * V;
    for (int j = 0; j < V; ++j) {
      ASSERT_NEAR(out.logits_row(i)[j], want[j], 5e-5) << i << " " << j;
    }
  }
}

TEST_F(ForwardTest, MixedBatchWithHiddenStates) {
  const int H = ckpt_->config.text.hidden_dim;
  std::vector<int32_t> p0 = {2, 8, 9, 10, 11, 12, 13}, p1 = {2, 44};
  Run(p1, {20});  // p1 cached at positions 0..1.
  std::vector<int32_t> d1 = {45};
  ForwardEntry batch[2] = {{p0, 0, std::vector<int>{30, 31}, true},
                           {d1, 2, std::vector<int>{20}, false}};
  ForwardOutput out;
  // The spans above point at temporaries; rebuild with lasting tables.
  std::vector<int> t0 = {30, 31}, t1 = {20};
  batch[0].blocks = t0;
  batch[1].blocks = t1;
  ASSERT_OK(model_->Forward(state_.get(), kv_.get(), batch, &out,
                            /*want_hidden=*/true));
  ASSERT_EQ(out.num_rows(), 8);
  EXPECT_EQ(out.row_begin, (std::vector<int>{0, 7, 8}));
  ASSERT_EQ(out.hidden.size(), static_cast<size_t>(8) * H);
  // The hidden row of the decode entry equals the same step run alone.
  ForwardOutput alone;
  Run(p1, {21});
  ForwardEntry e{d1, 2, std::vector<int>{21}, false};
  std::vector<int> t2 = {21};
  e.blocks = t2;
  ASSERT_OK(model_->Forward(state_.get(), kv_.get(), {&e, 1}, &alone, true));
  for (int j = 0; j < H; ++j) {
    EXPECT_NEAR(out.hidden[static_cast<size_t>(7) * H + j], alone.hidden[j],
                1e-5);
  }
}

TEST_F(ForwardTest, TaskSoftCapIsASecondCap) {
  ModelConfig capped = ckpt_->config;
  capped.task_final_logit_cap = 2.0f;
  ASSERT_OK_AND_ASSIGN(auto model2,
                       Gemma4Model::Create(capped, ckpt_->weights));
  auto state2 = model2->NewState();
  std::vector<int32_t> tokens = {2, 3, 4, 5};
  std::vector<int> blocks = {0};
  ForwardEntry e{tokens, 0, blocks, true};
  ForwardOutput once, twice;
  ASSERT_OK(model_->Forward(state_.get(), kv_.get(), {&e, 1}, &once));
  ASSERT_OK(model2->Forward(state2.get(), kv_.get(), {&e, 1}, &twice));
  ASSERT_EQ(once.logits.size(), twice.logits.size());
  for (size_t i = 0; i < once.logits.size(); ++i) {
    ASSERT_NEAR(twice.logits[i], 2.0 * std::tanh(once.logits[i] / 2.0), 1e-5);
  }
}

}  // namespace
}  // namespace gemma::model
