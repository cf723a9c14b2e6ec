#include "engine/block_manager.h"

#include <vector>

#include "engine/block_table.h"
#include "engine/scheduler.h"
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

// Pools of a model with sliding-window layers: window 8, blocks of 4.
KvPoolSizes WindowedPools(int full, int windowed) {
  return KvPoolSizes{/*block_size=*/4, full, windowed, /*window=*/8};
}

TEST(BlockTableTest, WindowedBlocksFollowTheWindow) {
  BlockManager bm(WindowedPools(16, 6), true);
  ASSERT_TRUE(bm.has_windowed());
  BlockTable t;
  ASSERT_TRUE(t.Reserve(bm, 16));
  // A 16-token chunk writes 4 blocks and its first query reads nothing
  // before position 0.
  EXPECT_EQ(t.WindowBlocksNeeded(bm, 0, 16), 4);
  ASSERT_TRUE(t.ReserveWindow(bm, 0, 16));
  EXPECT_EQ(t.num_window_blocks(), 4);
  // Next query at 16 reads 9..16: blocks 0 (0..3) and 1 (4..7) are out of
  // every future window; block 2 (8..11) is still read.
  t.ReleaseOutOfWindow(bm, 16);
  EXPECT_EQ(t.window_blocks()[0], -1);
  EXPECT_EQ(t.window_blocks()[1], -1);
  EXPECT_GE(t.window_blocks()[2], 0);
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kWindowed), 2);
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kFull), 4);
  // Decoding position 16 needs one new block (4), reads 9..16.
  ASSERT_TRUE(t.Reserve(bm, 17));
  EXPECT_EQ(t.WindowBlocksNeeded(bm, 16, 17), 1);
  ASSERT_TRUE(t.ReserveWindow(bm, 16, 17));
  // A chunk whose window needs more than the pool has: all or nothing.
  ASSERT_TRUE(t.Reserve(bm, 40));
  EXPECT_EQ(t.WindowBlocksNeeded(bm, 17, 40), 5);
  EXPECT_FALSE(t.ReserveWindow(bm, 17, 40));
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kWindowed), 3);
  t.ReleaseAll(bm);
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kWindowed), 0);
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kFull), 0);
}

TEST(BlockTableTest, PrefixMatchNeedsTheCachedWindowBeforeItsEnd) {
  BlockManager bm(WindowedPools(16, 16), true);
  std::vector<int32_t> prompt(21);
  for (int i = 0; i < 21; ++i) prompt[i] = 50 + i;
  BlockTable first;
  ASSERT_TRUE(first.Reserve(bm, 21));
  ASSERT_TRUE(first.ReserveWindow(bm, 0, 21));
  first.PublishComputed(bm, prompt, 21);  // 5 full blocks in both pools.
  first.ReleaseOutOfWindow(bm, 21);       // Blocks 0..2 leave (evictable).
  EXPECT_EQ(bm.num_evictable_blocks(BlockKind::kWindowed), 3);
  // A match of 5 blocks (20 positions) needs the windowed blocks of
  // 13..19 (blocks 3, 4): still held by `first`, so shared.
  BlockTable second;
  EXPECT_EQ(second.MatchPrefix(bm, prompt, 20), 20);
  EXPECT_EQ(second.window_blocks()[4], first.window_blocks()[4]);
  EXPECT_EQ(second.window_blocks()[2], -1);
  EXPECT_EQ(bm.RefCount(first.window_blocks()[3], BlockKind::kWindowed), 2);
  EXPECT_EQ(bm.prefix_hits(), 5);
  second.ReleaseAll(bm);
  first.ReleaseAll(bm);
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kWindowed), 0);
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kFull), 0);
}

TEST(BlockTableTest, PrefixMatchShrinksToACachedWindow) {
  BlockManager bm(WindowedPools(16, 16), true);
  std::vector<int32_t> prompt(20);
  for (int i = 0; i < 20; ++i) prompt[i] = 70 + i;
  // Full blocks 0..4 cached, windowed ones only for blocks 0 and 1.
  BlockTable first;
  ASSERT_TRUE(first.Reserve(bm, 20));
  ASSERT_TRUE(first.ReserveWindow(bm, 0, 8));
  first.PublishComputed(bm, prompt, 20);
  // 5 blocks would need windowed 3, 4; 4 blocks: 2, 3; 3 blocks: 1, 2;
  // 2 blocks (positions 0..7, window from 1): 0, 1, cached.
  BlockTable second;
  EXPECT_EQ(second.MatchPrefix(bm, prompt, 20), 8);
  EXPECT_EQ(second.num_blocks(), 2);
  EXPECT_EQ(second.window_blocks()[0], first.window_blocks()[0]);
  EXPECT_EQ(second.window_blocks()[1], first.window_blocks()[1]);
  EXPECT_EQ(bm.prefix_hits(), 2);
  EXPECT_EQ(bm.RefCount(first.blocks()[2]), 1);  // Not taken.
  second.ReleaseAll(bm);
  first.ReleaseAll(bm);
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kWindowed), 0);
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kFull), 0);
}

TEST(BlockTableTest, AdoptAndForkWithReleasedWindowBlocks) {
  BlockManager bm(WindowedPools(16, 16), false);
  BlockTable a;
  ASSERT_TRUE(a.Reserve(bm, 24));
  ASSERT_TRUE(a.ReserveWindow(bm, 0, 24));
  a.ReleaseOutOfWindow(bm, 24);  // Keeps blocks 4, 5 (positions 16..23).
  EXPECT_EQ(a.num_window_blocks(), 2);
  // Sharing 6 blocks needs the window of 17..23 (blocks 4, 5): fine.
  EXPECT_EQ(BlockTable::AdoptablePrefix(bm, a, 6), 6);
  // Sharing 4 would need blocks 2, 3 (window 9..15): released; and no
  // shorter prefix has its window either.
  EXPECT_EQ(BlockTable::AdoptablePrefix(bm, a, 4), 0);
  BlockTable b;
  b.AdoptPrefix(bm, a, 6);
  EXPECT_EQ(b.window_blocks()[5], a.window_blocks()[5]);
  EXPECT_EQ(bm.RefCount(a.window_blocks()[5], BlockKind::kWindowed), 2);
  BlockTable f = a.Fork(bm);
  EXPECT_EQ(f.window_blocks(), a.window_blocks());
  EXPECT_EQ(bm.RefCount(a.window_blocks()[4], BlockKind::kWindowed), 3);
  a.ReleaseAll(bm);
  b.ReleaseAll(bm);
  f.ReleaseAll(bm);
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kWindowed), 0);
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kFull), 0);
}

TEST(PlanKvPoolsTest, WindowedPoolHoldsTheRunningWindowsAndGivesBytesBack) {
  SchedulerOptions o;
  o.max_batch_tokens = 64;
  o.min_prefill_tokens = 16;
  o.max_running = 4;
  // Window 512, blocks of 16: (512 + 14) / 16 + 3 = 35 blocks a sequence,
  // 4 sequences + (64 + 16) / 16 + 1 = 6 chunk blocks = 146 of 1000.
  KvPoolSizes p = PlanKvPools(16000, 16, /*full_bytes=*/100,
                              /*windowed_bytes=*/300, 512, o);
  EXPECT_EQ(p.window, 512);
  EXPECT_EQ(p.windowed_blocks, 146);
  // The 854 windowed blocks not made pay for 854 * 3 more full blocks.
  EXPECT_EQ(p.full_blocks, 1000 + 854 * 3);
  // Same memory as 1000 blocks of every layer.
  EXPECT_LE(int64_t{p.full_blocks} * 100 + int64_t{p.windowed_blocks} * 300,
            int64_t{1000} * 400);
  // A small budget: both pools equal (the windowed one never binds).
  p = PlanKvPools(800, 16, 100, 300, 512, o);
  EXPECT_EQ(p.windowed_blocks, 50);
  EXPECT_EQ(p.full_blocks, 50);
  // No sliding-window layers: one pool.
  p = PlanKvPools(16000, 16, 400, 0, 512, o);
  EXPECT_EQ(p.windowed_blocks, 0);
  EXPECT_EQ(p.full_blocks, 1000);
}

}  // namespace
}  // namespace gemma::engine
