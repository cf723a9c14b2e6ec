// KvCache sizing, slot mapping for KV-shared layers, the full-context and
// sliding-window pools, and block copies; a forward pass whose sliding
// layers keep only their window's blocks (the others released and reused,
// filled with NaN) equals one that keeps every block.
#include "model/decoder/kv_cache.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "gtest/gtest.h"
#include "model/checkpoint/checkpoint.h"
#include "model/decoder/gemma4_model.h"
#include "tests/testing/status_matchers.h"

namespace gemma::model {
namespace {

using ::gemma::testing::StatusIs;

TextConfig SmallE2bLike() {
  TextConfig c;
  c.vocab_size = 32;
  c.num_layers = 6;
  c.num_query_heads = 4;
  c.num_kv_heads = 1;
  c.hidden_dim = 16;
  c.intermediate_dim = 32;
  c.head_dim = 8;
  c.global_head_dim = 16;
  c.layer_types = {LayerType::kSliding, LayerType::kSliding,
                   LayerType::kGlobal,  LayerType::kSliding,
                   LayerType::kSliding, LayerType::kGlobal};
  c.num_kv_shared_layers = 2;
  return c;
}

TEST(KvCacheTest, SlotsOnlyForLayersThatOwnKv) {
  TextConfig c = SmallE2bLike();
  ASSERT_OK(c.Validate());
  ASSERT_OK_AND_ASSIGN(auto kv, KvCache::Create(c, 10, 4));
  EXPECT_EQ(kv->num_slots(), 4);  // Layers 0-3; 4 and 5 share.
  EXPECT_EQ(kv->slot_of_layer(4), kv->slot_of_layer(3));  // sliding -> 3
  EXPECT_EQ(kv->slot_of_layer(5), kv->slot_of_layer(2));  // global -> 2
  EXPECT_EQ(kv->row_width(kv->slot_of_layer(2)), 16);
  EXPECT_EQ(kv->row_width(kv->slot_of_layer(0)), 8);
  // 3 sliding (8 floats) + 1 global (16 floats), K and V, 4 bytes.
  EXPECT_EQ(KvCache::BytesPerToken(c), (3 * 8 + 16) * 2 * 4);
  EXPECT_EQ(kv->total_bytes(), KvCache::BytesPerToken(c) * 10 * 4);
}

TEST(KvCacheTest, CopyBlockCopiesEverySlot) {
  TextConfig c = SmallE2bLike();
  ASSERT_OK_AND_ASSIGN(auto kv, KvCache::Create(c, 4, 2));
  for (int s = 0; s < kv->num_slots(); ++s) {
    for (int p = 0; p < 2; ++p) {
      for (int i = 0; i < kv->row_width(s); ++i) {
        kv->K(s, 1, p)[i] = 100 * s + 10 * p + i;
        kv->V(s, 1, p)[i] = -(100 * s + 10 * p + i);
      }
    }
  }
  kv->CopyBlock(1, 3, 2);
  for (int s = 0; s < kv->num_slots(); ++s) {
    for (int p = 0; p < 2; ++p) {
      for (int i = 0; i < kv->row_width(s); ++i) {
        EXPECT_EQ(kv->K(s, 3, p)[i], 100 * s + 10 * p + i);
        EXPECT_EQ(kv->V(s, 3, p)[i], -(100 * s + 10 * p + i));
      }
    }
  }
}

TEST(KvCacheTest, RejectsBadSizes) {
  EXPECT_THAT(KvCache::Create(SmallE2bLike(), 0, 4),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(KvCache::Create(SmallE2bLike(), 4, -1),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(KvCacheTest, SlidingWindowSlotsHaveTheirOwnPool) {
  TextConfig c = SmallE2bLike();
  c.sliding_window = 8;
  ASSERT_OK_AND_ASSIGN(auto kv, KvCache::Create(c, 10, 3, 4));
  EXPECT_EQ(kv->window(), 8);
  EXPECT_TRUE(kv->has_windowed());
  EXPECT_EQ(kv->num_blocks(KvKind::kFull), 10);
  EXPECT_EQ(kv->num_blocks(KvKind::kWindowed), 3);
  EXPECT_EQ(kv->slot_kind(kv->slot_of_layer(0)), KvKind::kWindowed);
  EXPECT_EQ(kv->slot_kind(kv->slot_of_layer(4)), KvKind::kWindowed);
  EXPECT_EQ(kv->slot_kind(kv->slot_of_layer(2)), KvKind::kFull);
  EXPECT_EQ(kv->slot_kind(kv->slot_of_layer(5)), KvKind::kFull);
  EXPECT_EQ(KvCache::BytesPerToken(c, KvKind::kWindowed), 3 * 8 * 2 * 4);
  EXPECT_EQ(KvCache::BytesPerToken(c, KvKind::kFull), 16 * 2 * 4);
  EXPECT_EQ(kv->total_bytes(),
            (KvCache::BytesPerToken(c, KvKind::kFull) * 10 +
             KvCache::BytesPerToken(c, KvKind::kWindowed) * 3) *
                4);
  // A copy touches only the slots of its kind.
  const int w = kv->slot_of_layer(0), g = kv->slot_of_layer(2);
  kv->K(w, 1, 0)[0] = 5.0f;
  kv->K(w, 2, 0)[0] = 0.0f;
  kv->K(g, 1, 0)[0] = 6.0f;
  kv->K(g, 2, 0)[0] = 0.0f;
  kv->CopyBlock(KvKind::kWindowed, 1, 2, 1);
  EXPECT_EQ(kv->K(w, 2, 0)[0], 5.0f);
  EXPECT_EQ(kv->K(g, 2, 0)[0], 0.0f);
  // Without a window every layer is full-context.
  c.use_sliding_window = false;
  ASSERT_OK_AND_ASSIGN(auto flat, KvCache::Create(c, 10, 0, 4));
  EXPECT_FALSE(flat->has_windowed());
  EXPECT_EQ(flat->slot_kind(flat->slot_of_layer(0)), KvKind::kFull);
  // A kind with slots needs blocks.
  c.use_sliding_window = true;
  EXPECT_THAT(KvCache::Create(c, 10, 0, 4),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Greedy generation: a 20-token prompt in chunks of 7, then decode steps,
// through `kv` with full table `full` and windowed table from `windowed`
// (called with the next chunk's [begin, end); may be null: the full table
// serves both). Returns the logits of every generated token.
template <typename WindowFn>
std::vector<float> Generate(const Gemma4Model& model, KvCache* kv,
                            const std::vector<int>& full, WindowFn windowed,
                            int new_tokens, std::vector<int32_t>* seq) {
  auto state = model.NewState();
  std::vector<float> logits;
  ForwardOutput out;
  int pos = 0;
  const int prompt = static_cast<int>(seq->size());
  while (static_cast<int>(seq->size()) < prompt + new_tokens) {
    const int n = pos < prompt ? std::min(7, prompt - pos) : 1;
    ForwardEntry e{absl::MakeConstSpan(*seq).subspan(pos, n), pos, full, false};
    e.sliding_blocks = windowed(pos, pos + n);
    EXPECT_OK(model.Forward(state.get(), kv, {&e, 1}, &out));
    pos += n;
    if (pos < prompt) continue;
    const float* row = out.logits_row(out.num_rows() - 1);
    logits.insert(logits.end(), row, row + out.vocab_size);
    seq->push_back(static_cast<int32_t>(
        std::max_element(row, row + out.vocab_size) - row));
  }
  return logits;
}

TEST(KvCacheTest, SlidingLayersReadOnlyTheirWindowsBlocks) {
  ASSERT_OK_AND_ASSIGN(ModelConfig config, NamedConfig("tiny"));
  config.vision.reset();
  config.audio.reset();
  ASSERT_OK_AND_ASSIGN(auto ckpt, MakeRandomCheckpoint(config, 5));
  ASSERT_OK_AND_ASSIGN(auto model,
                       Gemma4Model::Create(ckpt->config, ckpt->weights));
  const TextConfig& text = ckpt->config.text;
  ASSERT_EQ(KvCache::Window(text), 8);
  constexpr int kBlock = 4, kNew = 40;
  std::vector<int32_t> prompt = {2};
  for (int i = 1; i < 20; ++i) prompt.push_back(100 + 7 * i);
  std::vector<int> table(16);
  for (int i = 0; i < 16; ++i) table[i] = i;

  // Every block kept, one pool of ids.
  ASSERT_OK_AND_ASSIGN(auto kept_kv, KvCache::Create(text, 16, kBlock));
  std::vector<int32_t> kept_seq = prompt;
  const std::vector<float> kept = Generate(
      *model, kept_kv.get(), table,
      [](int, int) { return absl::Span<const int>(); }, kNew, &kept_seq);

  // Sliding layers in a pool of 5 blocks: block i lives in id i % 5 while
  // some query still reads it, then its id is poisoned and reused.
  ASSERT_OK_AND_ASSIGN(auto kv, KvCache::Create(text, 16, 5, kBlock));
  std::vector<int> windowed(16, -1);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto window_for = [&](int begin, int end) {
    const int first = std::max(0, begin - 8 + 1) / kBlock;
    for (int i = 0; i < 16; ++i) {
      const bool live = i >= first && i * kBlock < end;
      if (!live && windowed[i] >= 0) {
        for (int s = 0; s < kv->num_slots(); ++s) {
          if (kv->slot_kind(s) != KvKind::kWindowed) continue;
          for (int p = 0; p < kBlock; ++p) {
            std::fill_n(kv->K(s, windowed[i], p), kv->row_width(s), nan);
            std::fill_n(kv->V(s, windowed[i], p), kv->row_width(s), nan);
          }
        }
        windowed[i] = -1;
      }
      if (live) windowed[i] = i % 5;
    }
    return absl::Span<const int>(windowed);
  };
  std::vector<int32_t> seq = prompt;
  const std::vector<float> got =
      Generate(*model, kv.get(), table, window_for, kNew, &seq);
  EXPECT_EQ(seq, kept_seq);
  ASSERT_EQ(got.size(), kept.size());
  // Same K/V, read in other runs of blocks: float32 rounding of the P·V
  // sums only (logits are soft-capped at 6).
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], kept[i], 1e-4) << i;
  }
  // A released block inside the window is refused, not read.
  std::vector<int> hole(windowed);
  const int first = (static_cast<int>(seq.size()) - 1 - 7) / kBlock;
  hole[first] = -1;
  auto state = model->NewState();
  ForwardOutput out;
  ForwardEntry e{absl::MakeConstSpan(&seq.back(), 1),
                 static_cast<int>(seq.size()) - 1, table, false};
  e.sliding_blocks = hole;
  EXPECT_THAT(model->Forward(state.get(), kv.get(), {&e, 1}, &out),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace gemma::model
