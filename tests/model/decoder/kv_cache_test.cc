// KvCache sizing, slot mapping for KV-shared layers, the full-context and
// sliding-window pools, and block copies.
#include "model/decoder/kv_cache.h"

#include "gtest/gtest.h"
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

}  // namespace
}  // namespace gemma::model
