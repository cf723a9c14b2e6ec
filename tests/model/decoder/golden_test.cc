// The decoder against the keras-hub golden fixtures: logits at every
// position, greedy continuation through the paged KV cache, chunked
// prefill, and a ragged batch of all prompts in one step.
//
// Tolerance. The fixtures were computed in float32 by keras-hub; loading
// the same weights through its Hugging Face converter (another float32
// summation order) moved logits by up to 7.3e-5 (README "Verification").
// Our matmuls (oneDNN), norms and softmax sum in yet another order, so we
// allow 1e-4 × max|golden logit| (the soft cap bounds logits by 5–6, so
// about 5e-4 absolute): a few times the reference's own order noise
// (observed here: at most 1.3e-4 on e2b_like, 1.1e-5 on moe/dense_like),
// and far below the smallest top-1/top-2 margin of the greedy
// continuations, which must match exactly.
#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/checkpoint/checkpoint.h"
#include "model/decoder/gemma4_model.h"
#include "tests/testing/golden_compare.h"
#include "tests/testing/npy.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"

namespace gemma::model {
namespace {

using ::gemma::testing::CloseToGolden;
using ::gemma::testing::GoldenPath;
using ::gemma::testing::MaxAbs;
using ::gemma::testing::MaxAbsDiff;
using ::gemma::testing::ReadNpy;

constexpr int kBlockSize = 4;
constexpr int kNumBlocks = 256;
constexpr int kNewTokens = 16;
constexpr double kRelTol = 1e-4;  // × max|golden logit|, see above.

struct Layout {
  std::string model_case;  // e2b_like, moe_like, dense_like.
  std::string dir;         // hf, hf_bf16, keras, keras_bf16.
  std::string suffix;      // Golden array suffix: "", "_hf_bf16", ...
};

void PrintTo(const Layout& l, std::ostream* os) {
  *os << l.model_case << "/" << l.dir;
}

std::string PrintLayout(const ::testing::TestParamInfo<Layout>& info) {
  return info.param.model_case + "_" + info.param.dir;
}

class GoldenTest : public ::testing::TestWithParam<Layout> {
 protected:
  void SetUp() override {
    const Layout& p = GetParam();
    auto ckpt = LoadCheckpoint(GoldenPath(p.model_case + "/" + p.dir));
    ASSERT_OK(ckpt.status());
    ckpt_ = std::move(*ckpt);
    ModelOptions options;
    options.compute = ModelOptions::Compute::kF32;  // As the goldens.
    ASSERT_OK_AND_ASSIGN(
        model_, Gemma4Model::Create(ckpt_->config, ckpt_->weights, options));
    state_ = model_->NewState();
    ASSERT_OK_AND_ASSIGN(
        kv_, KvCache::Create(ckpt_->config.text, kNumBlocks, kBlockSize));
  }

  std::string File(int prompt, const std::string& what) const {
    const Layout& p = GetParam();
    return GoldenPath(p.model_case + "/prompt" + std::to_string(prompt) + "_" +
                      what + ".npy");
  }
  std::vector<int32_t> Tokens(int prompt) const {
    auto a = ReadNpy(File(prompt, "token_ids"));
    EXPECT_OK(a.status());
    return a.ok() ? a->ToInts() : std::vector<int32_t>{};
  }
  std::vector<float> Logits(int prompt) const {
    auto a = ReadNpy(File(prompt, "logits" + GetParam().suffix));
    EXPECT_OK(a.status());
    return a.ok() ? a->ToFloats() : std::vector<float>{};
  }
  std::vector<int32_t> Generated(int prompt) const {
    auto a = ReadNpy(File(prompt, "generate_token_ids" + GetParam().suffix));
    EXPECT_OK(a.status());
    return a.ok() ? a->ToInts() : std::vector<int32_t>{};
  }
  // Block ids [first, first + n) as a table.
  static std::vector<int> Blocks(int first, int n) {
    std::vector<int> b(n);
    std::iota(b.begin(), b.end(), first);
    return b;
  }

  static double Tolerance(const std::vector<float>& golden) {
    return kRelTol * MaxAbs(golden);
  }

  std::unique_ptr<Checkpoint> ckpt_;
  std::unique_ptr<Gemma4Model> model_;
  std::unique_ptr<ForwardState> state_;
  std::unique_ptr<KvCache> kv_;
};

TEST_P(GoldenTest, LogitsAtEveryPosition) {
  const int V = ckpt_->config.text.vocab_size;
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE("prompt " + std::to_string(i));
    auto tokens = Tokens(i);
    auto golden = Logits(i);
    ASSERT_EQ(golden.size(), tokens.size() * V);
    auto blocks = Blocks(0, kNumBlocks);
    ForwardEntry e{tokens, 0, blocks, /*all_logits=*/true};
    ForwardOutput out;
    ASSERT_OK(model_->Forward(state_.get(), kv_.get(), {&e, 1}, &out));
    ASSERT_EQ(out.num_rows(), static_cast<int>(tokens.size()));
    const double diff = MaxAbsDiff(out.logits, golden);
    EXPECT_TRUE(CloseToGolden(out.logits, golden, kRelTol, V));
    RecordProperty("max_abs_diff_prompt" + std::to_string(i),
                   std::to_string(diff));
    std::cout << GetParam().model_case << "/" << GetParam().dir << " prompt "
              << i << ": max |logit diff| " << diff << " (tolerance "
              << Tolerance(golden) << ")\n";
  }
}

TEST_P(GoldenTest, GreedyContinuationThroughTheKvCache) {
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE("prompt " + std::to_string(i));
    auto tokens = Tokens(i);
    auto expected = Generated(i);
    ASSERT_EQ(expected.size(), tokens.size() + kNewTokens);
    auto blocks = Blocks(0, kNumBlocks);
    std::vector<int32_t> seq = tokens;
    ForwardEntry e{seq, 0, blocks, false};
    ForwardOutput out;
    ASSERT_OK(model_->Forward(state_.get(), kv_.get(), {&e, 1}, &out));
    for (int step = 0; step < kNewTokens; ++step) {
      ASSERT_EQ(out.num_rows(), 1);
      const float* row = out.logits_row(0);
      const int next =
          static_cast<int>(std::max_element(row, row + out.vocab_size) - row);
      seq.push_back(next);
      ForwardEntry d{absl::MakeConstSpan(&seq.back(), 1),
                     static_cast<int>(seq.size()) - 1, blocks, false};
      if (step + 1 < kNewTokens) {
        ASSERT_OK(model_->Forward(state_.get(), kv_.get(), {&d, 1}, &out));
      }
    }
    EXPECT_EQ(seq, expected);
  }
}

TEST_P(GoldenTest, ChunkedPrefillMatches) {
  const int V = ckpt_->config.text.vocab_size;
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE("prompt " + std::to_string(i));
    auto tokens = Tokens(i);
    auto golden = Logits(i);
    auto blocks = Blocks(0, kNumBlocks);
    for (size_t start = 0; start < tokens.size(); start += 5) {
      const size_t n = std::min<size_t>(5, tokens.size() - start);
      ForwardEntry e{absl::MakeConstSpan(tokens).subspan(start, n),
                     static_cast<int>(start), blocks, true};
      ForwardOutput out;
      ASSERT_OK(model_->Forward(state_.get(), kv_.get(), {&e, 1}, &out));
      ASSERT_EQ(out.num_rows(), static_cast<int>(n));
      EXPECT_LE(MaxAbsDiff(out.logits, absl::MakeConstSpan(golden).subspan(
                                           start * V, n * V)),
                Tolerance(golden))
          << "chunk at " << start;
    }
  }
}

TEST_P(GoldenTest, RaggedBatchEqualsEachAlone) {
  const int V = ckpt_->config.text.vocab_size;
  std::vector<std::vector<int32_t>> tokens;
  std::vector<std::vector<int>> tables;
  std::vector<ForwardEntry> batch;
  for (int i = 0; i < 3; ++i) {
    tokens.push_back(Tokens(i));
    // Interleaved, non-contiguous block ids per sequence.
    std::vector<int> t;
    for (int b = 0; b < 20; ++b) t.push_back(b * 3 + i);
    tables.push_back(t);
  }
  for (int i = 0; i < 3; ++i) {
    batch.push_back({tokens[i], 0, tables[i], /*all_logits=*/i != 1});
  }
  ForwardOutput out;
  ASSERT_OK(model_->Forward(state_.get(), kv_.get(), batch, &out));
  ASSERT_EQ(out.row_begin.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE("prompt " + std::to_string(i));
    auto golden = Logits(i);
    const int T = static_cast<int>(tokens[i].size());
    const int rows = out.row_begin[i + 1] - out.row_begin[i];
    ASSERT_EQ(rows, i != 1 ? T : 1);
    const size_t n = static_cast<size_t>(rows) * V;
    EXPECT_LE(
        MaxAbsDiff(absl::MakeConstSpan(out.logits_row(out.row_begin[i]), n),
                   absl::MakeConstSpan(golden).subspan(
                       static_cast<size_t>(T - rows) * V, n)),
        Tolerance(golden));
  }
  // A decode step for all three sequences in one batch continues each.
  std::vector<int32_t> next(3);
  for (int i = 0; i < 3; ++i) {
    const float* row = out.logits_row(out.row_begin[i + 1] - 1);
    next[i] = static_cast<int32_t>(std::max_element(row, row + V) - row);
    batch[i] = {absl::MakeConstSpan(&next[i], 1),
                static_cast<int>(tokens[i].size()), tables[i], false};
  }
  ASSERT_OK(model_->Forward(state_.get(), kv_.get(), batch, &out));
  for (int i = 0; i < 3; ++i) {
    const float* row = out.logits_row(i);
    const int pick = static_cast<int>(std::max_element(row, row + V) - row);
    EXPECT_EQ(pick, Generated(i)[tokens[i].size() + 1]) << "prompt " << i;
  }
}

// bf16 compute (bf16 weights and matmul inputs, f32 accumulation and
// everything else) against the float32-compute bf16-weight goldens. Only a
// loose check is meaningful: keras-hub's own bf16-compute run differs from
// these by mean |Δ| 0.094 / max 1.31 with 89 % argmax agreement (README);
// rounding only matmul inputs must stay at least that close.
TEST_P(GoldenTest, Bf16ComputeStaysCloseToFloat32Compute) {
  if (GetParam().suffix.empty()) GTEST_SKIP() << "bf16 checkpoints only";
  ModelOptions options;
  options.compute = ModelOptions::Compute::kBF16;
  auto model = Gemma4Model::Create(ckpt_->config, ckpt_->weights, options);
  if (!model.ok() &&
      model.status().code() == absl::StatusCode::kFailedPrecondition) {
    GTEST_SKIP() << model.status();
  }
  ASSERT_OK(model.status());
  auto state = (*model)->NewState();
  const int V = ckpt_->config.text.vocab_size;
  auto tokens = Tokens(0);
  auto golden = Logits(0);
  auto blocks = Blocks(0, kNumBlocks);
  ForwardEntry e{tokens, 0, blocks, true};
  ForwardOutput out;
  ASSERT_OK((*model)->Forward(state.get(), kv_.get(), {&e, 1}, &out));
  double sum = 0;
  int agree = 0;
  for (size_t t = 0; t < tokens.size(); ++t) {
    const float* a = out.logits_row(t);
    const float* b = golden.data() + t * V;
    for (int j = 0; j < V; ++j) sum += std::fabs(a[j] - b[j]);
    agree += std::max_element(a, a + V) - a == std::max_element(b, b + V) - b;
  }
  EXPECT_LE(sum / golden.size(), 0.15);
  EXPECT_GE(agree, static_cast<int>(0.85 * tokens.size()));
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, GoldenTest,
    ::testing::Values(Layout{"e2b_like", "hf", ""},
                      Layout{"e2b_like", "hf_bf16", "_hf_bf16"},
                      Layout{"e2b_like", "keras", ""},
                      Layout{"e2b_like", "keras_bf16", "_keras_bf16"},
                      Layout{"moe_like", "hf", ""},
                      Layout{"moe_like", "hf_bf16", "_hf_bf16"},
                      Layout{"moe_like", "keras", ""},
                      Layout{"moe_like", "keras_bf16", "_keras_bf16"},
                      Layout{"dense_like", "hf", ""},
                      Layout{"dense_like", "hf_bf16", "_hf_bf16"},
                      Layout{"dense_like", "keras", ""}),
    PrintLayout);

}  // namespace
}  // namespace gemma::model
