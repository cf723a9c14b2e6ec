#include "engine/block_manager.h"

#include <vector>

#include "engine/block_table.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gemma::engine {
namespace {

TEST(BlockManagerTest, AllocatesUntilDryAndReleases) {
  BlockManager bm(3, 4, /*enable_prefix_cache=*/true);
  std::vector<int> got;
  for (int i = 0; i < 3; ++i) {
    std::optional<int> b = bm.Allocate();
    ASSERT_TRUE(b.has_value());
    got.push_back(*b);
  }
  EXPECT_THAT(got, ::testing::UnorderedElementsAre(0, 1, 2));
  EXPECT_EQ(bm.num_used_blocks(), 3);
  EXPECT_FALSE(bm.Allocate().has_value());
  bm.Release(got[1]);
  EXPECT_EQ(bm.num_available_blocks(), 1);
  std::optional<int> again = bm.Allocate();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, got[1]);
}

TEST(BlockManagerTest, RefCountsKeepSharedBlocks) {
  BlockManager bm(2, 4, true);
  int b = *bm.Allocate();
  bm.AddRef(b);
  EXPECT_EQ(bm.RefCount(b), 2);
  bm.Release(b);
  EXPECT_EQ(bm.num_used_blocks(), 1);
  bm.Release(b);
  EXPECT_EQ(bm.num_used_blocks(), 0);
}

TEST(BlockManagerTest, PublishedBlocksHitAfterRelease) {
  BlockManager bm(2, 2, true);
  const std::vector<int32_t> toks = {5, 6};
  const uint64_t h = BlockManager::ChainHash(BlockManager::kRootHash, toks);
  int b = *bm.Allocate();
  bm.Publish(b, h, toks);
  bm.Release(b);
  EXPECT_EQ(bm.num_used_blocks(), 0);
  EXPECT_EQ(bm.num_evictable_blocks(), 1);
  std::optional<int> hit = bm.Lookup(h, toks);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(*hit, b);
  EXPECT_EQ(bm.RefCount(b), 1);
  EXPECT_EQ(bm.prefix_hits(), 1);
  EXPECT_EQ(bm.prefix_queries(), 1);
  // Same hash, other tokens: never a hit.
  const std::vector<int32_t> other = {5, 7};
  EXPECT_FALSE(bm.Lookup(h, other).has_value());
  bm.Release(b);
}

TEST(BlockManagerTest, EvictsCachedBlocksOnlyWhenNothingIsFree) {
  BlockManager bm(2, 1, true);
  const std::vector<int32_t> t1 = {1};
  const uint64_t h1 = BlockManager::ChainHash(BlockManager::kRootHash, t1);
  int a = *bm.Allocate();
  bm.Publish(a, h1, t1);
  bm.Release(a);
  int b = *bm.Allocate();  // Takes the free one, not the cached one.
  EXPECT_NE(a, b);
  EXPECT_TRUE(bm.IsPublished(a));
  int c = *bm.Allocate();  // Now evicts the cached block.
  EXPECT_EQ(c, a);
  EXPECT_FALSE(bm.IsPublished(a));
  EXPECT_FALSE(bm.Lookup(h1, t1).has_value());
  bm.Release(b);
  bm.Release(c);
  EXPECT_EQ(bm.num_used_blocks(), 0);
}

TEST(BlockManagerTest, DisabledPrefixCacheNeverHits) {
  BlockManager bm(2, 1, false);
  const std::vector<int32_t> t = {9};
  const uint64_t h = BlockManager::ChainHash(BlockManager::kRootHash, t);
  int a = *bm.Allocate();
  bm.Publish(a, h, t);
  bm.Release(a);
  EXPECT_FALSE(bm.Lookup(h, t).has_value());
  EXPECT_EQ(bm.num_available_blocks(), 2);
}

TEST(BlockTableTest, ReserveIsAllOrNothing) {
  BlockManager bm(3, 4, true);
  BlockTable t;
  EXPECT_TRUE(t.Reserve(bm, 5));  // 2 blocks.
  EXPECT_EQ(t.num_blocks(), 2);
  EXPECT_TRUE(t.Reserve(bm, 8));  // Still 2.
  EXPECT_EQ(t.num_blocks(), 2);
  EXPECT_FALSE(t.Reserve(bm, 13));  // Would need 4.
  EXPECT_EQ(t.num_blocks(), 2);
  EXPECT_EQ(bm.num_used_blocks(), 2);
  t.ReleaseAll(bm);
  EXPECT_EQ(bm.num_used_blocks(), 0);
}

TEST(BlockTableTest, SharedPrefixIsMatchedBlockByBlock) {
  BlockManager bm(8, 2, true);
  const std::vector<int32_t> prompt = {1, 2, 3, 4, 5, 6, 7};
  BlockTable first;
  ASSERT_TRUE(first.Reserve(bm, 7));
  first.PublishComputed(bm, prompt, 7);  // Blocks [1,2] [3,4] [5,6].
  // Same prefix, different tail.
  const std::vector<int32_t> second_prompt = {1, 2, 3, 4, 9, 9, 9};
  BlockTable second;
  EXPECT_EQ(second.MatchPrefix(bm, second_prompt, 6), 4);
  EXPECT_EQ(second.blocks()[0], first.blocks()[0]);
  EXPECT_EQ(second.blocks()[1], first.blocks()[1]);
  EXPECT_EQ(bm.RefCount(first.blocks()[0]), 2);
  // The whole identical prompt: stops before max_tokens (the last token
  // must be computed).
  BlockTable third;
  EXPECT_EQ(third.MatchPrefix(bm, prompt, 6), 6);
  BlockTable fourth;
  EXPECT_EQ(fourth.MatchPrefix(bm, prompt, 5), 4);
  first.ReleaseAll(bm);
  second.ReleaseAll(bm);
  third.ReleaseAll(bm);
  fourth.ReleaseAll(bm);
  EXPECT_EQ(bm.num_used_blocks(), 0);
  EXPECT_EQ(bm.num_evictable_blocks(), 3);
}

TEST(BlockTableTest, ForkSharesBlocks) {
  BlockManager bm(4, 2, true);
  BlockTable t;
  ASSERT_TRUE(t.Reserve(bm, 3));
  BlockTable f = t.Fork(bm);
  EXPECT_EQ(f.blocks(), t.blocks());
  EXPECT_EQ(bm.RefCount(t.blocks()[0]), 2);
  t.ReleaseAll(bm);
  EXPECT_EQ(bm.num_used_blocks(), 2);
  f.ReleaseAll(bm);
  EXPECT_EQ(bm.num_used_blocks(), 0);
}

}  // namespace
}  // namespace gemma::engine
