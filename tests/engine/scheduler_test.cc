#include "engine/scheduler.h"

#include <deque>
#include <memory>
#include <vector>

#include "gtest/gtest.h"

namespace gemma::engine {
namespace {

// A waiting queue of prepared sequences.
class FakeSource : public AdmissionSource {
 public:
  SchedState* Add(int prompt_len, int first_token = 100) {
    auto s = std::make_unique<SchedState>();
    for (int i = 0; i < prompt_len; ++i) s->tokens.push_back(first_token + i);
    queue_.push_back(s.get());
    owned_.push_back(std::move(s));
    return owned_.back().get();
  }
  SchedState* Peek() override {
    return queue_.empty() ? nullptr : queue_.front();
  }
  void Pop() override { queue_.pop_front(); }
  size_t size() const { return queue_.size(); }

 private:
  std::deque<SchedState*> queue_;
  std::vector<std::unique_ptr<SchedState>> owned_;
};

// Runs the plan as the engine would: advance, then "sample" one token for
// every item that wants logits.
void Execute(Scheduler& sched, const StepPlan& plan, int32_t next = 7) {
  for (const StepItem& item : plan.items) {
    sched.Advance(item);
    if (item.wants_logits) item.seq->tokens.push_back(next);
  }
}

TEST(SchedulerTest, ChunksLongPromptsUnderTheTokenBudget) {
  BlockManager bm(64, 4, true);
  Scheduler sched({/*max_batch_tokens=*/8, /*min_prefill_tokens=*/2,
                   /*max_running=*/8, /*max_itl_stretch=*/0},
                  &bm);
  FakeSource src;
  SchedState* a = src.Add(3);
  SchedState* b = src.Add(20);
  StepPlan p1 = sched.Plan(src);
  ASSERT_EQ(p1.items.size(), 2u);
  EXPECT_EQ(p1.items[0].count, 3);
  EXPECT_TRUE(p1.items[0].wants_logits);
  EXPECT_EQ(p1.items[1].count, 5);
  EXPECT_FALSE(p1.items[1].wants_logits);
  EXPECT_EQ(p1.num_tokens, 8);
  Execute(sched, p1);
  // a decodes 1 token; b continues with 7.
  StepPlan p2 = sched.Plan(src);
  ASSERT_EQ(p2.items.size(), 2u);
  EXPECT_EQ(p2.items[0].seq, a);
  EXPECT_EQ(p2.items[0].count, 1);
  EXPECT_EQ(p2.items[1].seq, b);
  EXPECT_EQ(p2.items[1].start, 5);
  EXPECT_EQ(p2.items[1].count, 7);
  Execute(sched, p2);
  Execute(sched, sched.Plan(src));  // b: 12..19, 8 left -> 7 (a decodes).
  StepPlan p4 = sched.Plan(src);
  ASSERT_EQ(p4.items.size(), 2u);
  EXPECT_EQ(p4.items[1].count, 1);
  EXPECT_TRUE(p4.items[1].wants_logits);
  Execute(sched, p4);
  EXPECT_TRUE(b->decoding());
  sched.Finish(a);
  sched.Finish(b);
  EXPECT_EQ(bm.num_used_blocks(), 0);
}

// With decodes running, the prefill chunk is cut to what the observed step
// costs say keeps the step within max_itl_stretch of the decodes alone (the
// floor until they can tell); without decodes, or with the bound off, the
// whole token budget is used.
TEST(SchedulerTest, LimitsPrefillWhileStreamsDecodeToTheStretchBound) {
  for (double stretch : {2.0, 0.0}) {
    BlockManager bm(256, 4, true);
    SchedulerOptions options;
    options.max_batch_tokens = 200;
    options.min_prefill_tokens = 2;
    options.max_itl_stretch = stretch;
    Scheduler sched(options, &bm);
    FakeSource src;
    SchedState* a = src.Add(100);
    StepPlan p1 = sched.Plan(src);
    ASSERT_EQ(p1.items.size(), 1u);
    EXPECT_EQ(p1.items[0].count, 100);  // Nothing decodes: all of it.
    EXPECT_EQ(p1.decode_rows, 0);
    Execute(sched, p1);
    sched.ObserveStep(p1, 0.1 + 100 * 0.01);  // D = 0.1 s, P = 10 ms.
    SchedState* b = src.Add(150, /*first_token=*/1000);
    StepPlan p2 = sched.Plan(src);
    ASSERT_EQ(p2.items.size(), 2u);
    EXPECT_EQ(p2.items[0].seq, a);
    EXPECT_EQ(p2.decode_rows, 1);
    // One step seen cannot split D from P: the floor.
    EXPECT_EQ(p2.items[1].count, stretch > 1 ? 2 : 150);
    if (stretch <= 1) continue;
    Execute(sched, p2);
    sched.ObserveStep(p2, 0.1 + 2 * 0.01);
    StepPlan p3 = sched.Plan(src);
    ASSERT_EQ(p3.items.size(), 2u);
    EXPECT_EQ(p3.items[1].seq, b);
    // Room for (2 - 1) * 0.1 s / 10 ms = 10 prompt tokens.
    EXPECT_EQ(p3.items[1].count, 10);
    EXPECT_EQ(p3.num_tokens, 11);
  }
}

TEST(SchedulerTest, RespectsMaxRunning) {
  BlockManager bm(64, 4, true);
  Scheduler sched({64, 2, /*max_running=*/2}, &bm);
  FakeSource src;
  src.Add(2);
  src.Add(2);
  src.Add(2);
  StepPlan p = sched.Plan(src);
  EXPECT_EQ(p.items.size(), 2u);
  EXPECT_EQ(src.size(), 1u);
  EXPECT_EQ(sched.running().size(), 2u);
}

TEST(SchedulerTest, WaitsWhenThePoolIsFull) {
  BlockManager bm(4, 4, true);
  Scheduler sched({64, 2, 8}, &bm);
  FakeSource src;
  src.Add(12);  // 3 blocks.
  src.Add(8);   // 2 blocks: does not fit yet.
  StepPlan p = sched.Plan(src);
  EXPECT_EQ(p.items.size(), 1u);
  EXPECT_EQ(src.size(), 1u);
  EXPECT_EQ(bm.num_used_blocks(), 3);
}

TEST(SchedulerTest, PreemptsTheNewestWhenDecodeRunsDry) {
  BlockManager bm(3, 2, /*enable_prefix_cache=*/false);
  Scheduler sched({64, 2, 8}, &bm);
  FakeSource src;
  SchedState* a = src.Add(2);  // 1 block each.
  SchedState* b = src.Add(2);
  Execute(sched, sched.Plan(src));  // Both prefilled, one token each.
  EXPECT_EQ(bm.num_used_blocks(), 2);
  // Position 2 needs a new block for each: only one left -> b preempted.
  StepPlan p = sched.Plan(src);
  ASSERT_EQ(p.preempted.size(), 1u);
  EXPECT_EQ(p.preempted[0], b);
  ASSERT_EQ(p.items.size(), 1u);
  EXPECT_EQ(p.items[0].seq, a);
  EXPECT_EQ(b->num_computed, 0);
  EXPECT_EQ(b->tokens.size(), 3u);  // Keeps its generated token.
  EXPECT_EQ(sched.preemptions_total(), 1);
  Execute(sched, p);
  sched.Finish(a);
  // b resumes: recomputes all 3 known tokens.
  StepPlan r = sched.Plan(src);
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].seq, b);
  EXPECT_EQ(r.items[0].start, 0);
  EXPECT_EQ(r.items[0].count, 3);
  EXPECT_TRUE(r.items[0].wants_logits);
  sched.Finish(b);
  EXPECT_EQ(bm.num_used_blocks(), 0);
}

TEST(SchedulerTest, SecondIdenticalPromptUsesThePrefixCache) {
  BlockManager bm(16, 4, true);
  Scheduler sched({64, 2, 8}, &bm);
  FakeSource src;
  SchedState* a = src.Add(10);
  Execute(sched, sched.Plan(src));
  EXPECT_EQ(a->num_computed, 10);
  SchedState* b = src.Add(10);
  StepPlan p = sched.Plan(src);
  EXPECT_EQ(b->num_cached, 8);
  ASSERT_EQ(p.items.size(), 2u);
  EXPECT_EQ(p.items[1].seq, b);
  EXPECT_EQ(p.items[1].start, 8);
  EXPECT_EQ(p.items[1].count, 2);
  EXPECT_EQ(bm.prefix_hits(), 2);
  EXPECT_EQ(b->table.blocks()[0], a->table.blocks()[0]);
  sched.Finish(a);
  sched.Finish(b);
  EXPECT_EQ(bm.num_used_blocks(), 0);
}

}  // namespace
}  // namespace gemma::engine

namespace gemma::engine {
namespace {

TEST(SchedulerTest, ForkedSequencesCopyASharedPartlyFilledBlockBeforeWriting) {
  BlockManager bm(8, 4, /*enable_prefix_cache=*/false);
  Scheduler sched({64, 2, 8}, &bm);
  FakeSource src;
  SchedState* a = src.Add(6);       // Blocks [0..3] [4..5 + room].
  Execute(sched, sched.Plan(src));  // a: 6 computed, 7 known.
  SchedState fork;                  // A beam forked from a.
  fork.table = a->table.Fork(bm);
  fork.tokens = a->tokens;
  fork.tokens.back() = 9;  // A different next token.
  fork.num_computed = a->num_computed;
  sched.AddRunning(&fork, a->admit_order);
  ASSERT_EQ(bm.RefCount(a->table.blocks()[1]), 2);
  const int shared = a->table.blocks()[1];
  StepPlan p = sched.Plan(src);
  ASSERT_EQ(p.items.size(), 2u);
  // The first writer (a) copies positions 4..5 into a fresh block; the
  // fork is then the block's only owner and writes in place.
  ASSERT_EQ(p.copies.size(), 1u);
  EXPECT_EQ(p.copies[0].src, shared);
  EXPECT_EQ(p.copies[0].positions, 2);
  EXPECT_EQ(a->table.blocks()[1], p.copies[0].dst);
  EXPECT_EQ(fork.table.blocks()[1], shared);
  EXPECT_EQ(bm.RefCount(shared), 1);
  // The full first block stays shared.
  EXPECT_EQ(a->table.blocks()[0], fork.table.blocks()[0]);
  sched.Finish(a);
  sched.Finish(&fork);
  EXPECT_EQ(bm.num_used_blocks(), 0);
}

TEST(SchedulerTest, IdleSequencesAreNotFed) {
  BlockManager bm(8, 4, false);
  Scheduler sched({64, 2, 8}, &bm);
  FakeSource src;
  SchedState* a = src.Add(3);
  StepPlan p = sched.Plan(src);
  for (const StepItem& item : p.items) sched.Advance(item);  // No token added.
  EXPECT_TRUE(a->idle());
  EXPECT_TRUE(sched.Plan(src).empty());
  sched.Finish(a);
}

TEST(SchedulerTest, SlidingWindowBlocksAreReservedPerChunkAndReturned) {
  // Window 8, blocks of 4: a window spans at most 3 blocks. The windowed
  // pool has 5 blocks, the full pool plenty.
  BlockManager bm(KvPoolSizes{4, 64, 5, 8}, /*enable_prefix_cache=*/false);
  Scheduler sched({/*max_batch_tokens=*/16, /*min_prefill_tokens=*/4,
                   /*max_running=*/8},
                  &bm);
  FakeSource src;
  SchedState* a = src.Add(40);
  // Admitted although 40 positions are 10 blocks: the windowed layers
  // need min(window, length). The first chunk writes 4 windowed blocks.
  StepPlan p1 = sched.Plan(src);
  ASSERT_EQ(p1.items.size(), 1u);
  EXPECT_EQ(p1.items[0].count, 16);
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kFull), 10);
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kWindowed), 4);
  Execute(sched, p1);
  // Next query at 16 reads 9..: blocks 0, 1 went back.
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kWindowed), 2);
  // 16..31 would need 4 more windowed blocks, 3 are left: the chunk is
  // shortened to 16..27.
  SchedState* b = src.Add(10, 500);
  StepPlan p2 = sched.Plan(src);
  ASSERT_EQ(p2.items.size(), 1u);
  EXPECT_EQ(p2.items[0].seq, a);
  EXPECT_EQ(p2.items[0].count, 12);
  // b waits: its window (3 blocks) plus the watermark do not fit.
  EXPECT_FALSE(b->running);
  Execute(sched, p2);
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kWindowed), 2);  // 21..27.
  // The rest of the prompt and a long decode never hold more than a
  // window's blocks once a step is done.
  for (int step = 0; step < 40 && !b->running; ++step) {
    Execute(sched, sched.Plan(src));
    EXPECT_LE(bm.num_used_blocks(BlockKind::kWindowed), 3);
  }
  EXPECT_TRUE(a->decoding());
  sched.Finish(a);
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kWindowed), 0);
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kFull), 0);
  // With a gone, b runs.
  Execute(sched, sched.Plan(src));
  EXPECT_TRUE(b->running);
  sched.Finish(b);
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kWindowed), 0);
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kFull), 0);
}

}  // namespace
}  // namespace gemma::engine
