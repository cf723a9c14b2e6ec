// The paged KV cache seen through the engine, on a real golden model:
// the prefix cache serves a repeated long prefix (and does not change the
// tokens), a KV pool too small for all requests at once preempts and
// recomputes without changing any request's tokens, and sliding-window
// layers hold only their window's blocks over a long generation while the
// logits and tokens stay those of the model without any freeing.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "engine/batch_runner.h"
#include "engine/block_manager.h"
#include "engine/model_loader.h"
#include "engine/scheduler.h"
#include "gtest/gtest.h"
#include "model/decoder/gemma4_model.h"
#include "model/sampling/distribution.h"
#include "tests/engine/engine_test_util.h"
#include "tests/testing/status_matchers.h"

namespace gemma::engine {
namespace {

TEST(EngineKvTest, SecondRequestWithTheSameLongPrefixHitsThePrefixCache) {
  ASSERT_OK_AND_ASSIGN(std::vector<GoldenPrompt> goldens, LoadGoldenPrompts());
  ModelSpec spec = GoldenSpec();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> pool, MakePool(spec));
  spec.prefix_cache = false;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> uncached, MakePool(spec));

  // A 64-token shared "system prompt" (golden prompt 2) plus different tails.
  const std::vector<int32_t>& prefix = goldens[2].prompt;
  std::vector<int32_t> first = prefix, second = prefix;
  first.insert(first.end(), {300, 301, 302});
  second.insert(second.end(), {400, 401, 402, 403, 404});
  const GenerationParams params = FixedLengthGreedy(12);

  ASSERT_OK_AND_ASSIGN(GenerationResult r1, RunAlone(*pool, first, params));
  EXPECT_EQ(r1.usage.cached_tokens, 0);
  const EngineStats before = pool->Stats()[0];
  ASSERT_OK_AND_ASSIGN(GenerationResult r2, RunAlone(*pool, second, params));
  const EngineStats after = pool->Stats()[0];
  // 64 shared tokens = 8 full blocks of 8.
  EXPECT_EQ(r2.usage.cached_tokens, 64);
  EXPECT_EQ(after.prefix_cache_hits_total - before.prefix_cache_hits_total, 8);
  EXPECT_GT(after.prefix_cache_queries_total,
            before.prefix_cache_queries_total);

  // The exact same prompt again: everything but the last token is cached.
  ASSERT_OK_AND_ASSIGN(GenerationResult r3, RunAlone(*pool, first, params));
  EXPECT_EQ(r3.usage.cached_tokens, 64);
  EXPECT_EQ(r3.token_ids, r1.token_ids);

  // Reusing cached K/V gives the tokens a full computation gives.
  ASSERT_OK_AND_ASSIGN(GenerationResult u2,
                       RunAlone(*uncached, second, params));
  EXPECT_EQ(u2.usage.cached_tokens, 0);
  EXPECT_EQ(r2.token_ids, u2.token_ids);
  EXPECT_EQ(uncached->Stats()[0].prefix_cache_hits_total, 0);
}

TEST(EngineKvTest, PreemptionUnderATinyPoolKeepsEveryRequestsTokens) {
  ASSERT_OK_AND_ASSIGN(std::vector<GoldenPrompt> goldens, LoadGoldenPrompts());
  ModelSpec spec = GoldenSpec();
  // 80 positions: golden prompt 2 (64 + 16 = 80) just fits alone; the three
  // goldens together (44 + 43 + 80 positions) cannot run at once.
  spec.kv_cache_tokens = 80;
  spec.prefix_cache = false;  // Recompute from scratch after preemption.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> pool, MakePool(spec));

  std::vector<std::shared_ptr<CollectingSink>> sinks;
  for (int round = 0; round < 2; ++round) {
    for (const GoldenPrompt& g : goldens) {
      sinks.push_back(std::make_shared<CollectingSink>());
      ASSERT_OK(pool->Submit(
          MakeRequest(g.prompt, FixedLengthGreedy(16), sinks.back())));
    }
  }
  for (size_t i = 0; i < sinks.size(); ++i) {
    ASSERT_TRUE(sinks[i]->WaitDone(absl::Seconds(60)));
    const GenerationResult r = sinks[i]->result();
    ASSERT_OK(r.status);
    EXPECT_EQ(r.token_ids, goldens[i % 3].generated) << "request " << i;
    // Streamed tokens are never repeated or lost across a preemption.
    const std::vector<int32_t> generated(
        r.token_ids.begin() + goldens[i % 3].prompt.size(), r.token_ids.end());
    EXPECT_EQ(sinks[i]->streamed(), generated) << "request " << i;
  }
  const EngineStats st = pool->Stats()[0];
  EXPECT_GT(st.preemptions_total, 0);
  EXPECT_EQ(st.kv_blocks_used, 0);
  EXPECT_EQ(st.running_sequences, 0);
}

TEST(EngineKvTest, RequestLongerThanThePoolIsRefused) {
  ModelSpec spec = GoldenSpec();
  spec.kv_cache_tokens = 32;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> pool, MakePool(spec));
  auto sink = std::make_shared<CollectingSink>();
  // The model's context is capped at what one instance's pool holds.
  EXPECT_EQ(pool->ListModels()[0].context_length, 32);
  std::vector<int32_t> prompt(40, 300);
  prompt[0] = 2;
  EXPECT_THAT(pool->Submit(MakeRequest(prompt, FixedLengthGreedy(4), sink)),
              gemma::testing::StatusIs(absl::StatusCode::kInvalidArgument));
  // A request that fits is cut at the pool's capacity.
  prompt.resize(20);
  ASSERT_OK_AND_ASSIGN(GenerationResult r,
                       RunAlone(*pool, prompt, FixedLengthGreedy(30)));
  EXPECT_EQ(r.token_ids.size(), 32u);
  EXPECT_EQ(r.finish_reason, FinishReason::kLength);
}

// Admits one sequence, once.
class OneSequence : public AdmissionSource {
 public:
  explicit OneSequence(SchedState* s) : s_(s) {}
  SchedState* Peek() override { return popped_ ? nullptr : s_; }
  void Pop() override { popped_ = true; }

 private:
  SchedState* s_;
  bool popped_ = false;
};

struct WindowRun {
  std::vector<int32_t> tokens;  // Prompt + generated.
  std::vector<float> logits;    // One row per generated token.
  int cached = 0;               // Prompt positions from the prefix cache.
  int max_windowed_used = 0;    // After any step.
  int max_full_used = 0;
};

// Greedy generation of `new_tokens` tokens for `prompt` through the
// scheduler and the batch runner (chunked prefill, then decode steps),
// checking after every step that the windowed pool holds no more than the
// blocks a window of `window` positions spans. Leaves the blocks cached
// (Finish releases them).
void GenerateThroughScheduler(BatchRunner& runner, BlockManager& bm,
                              const SchedulerOptions& options,
                              const std::vector<int32_t>& prompt,
                              int new_tokens, WindowRun* out) {
  Scheduler sched(options, &bm);
  SchedState s;
  s.tokens = prompt;
  OneSequence source(&s);
  const int bs = bm.block_size();
  const int window_bound = (bm.window() - 1 + bs - 1) / bs + 1;
  std::vector<float> logits;
  while (static_cast<int>(s.tokens.size()) <
         static_cast<int>(prompt.size()) + new_tokens) {
    StepPlan plan = sched.Plan(source);
    ASSERT_FALSE(plan.empty());
    ASSERT_OK(runner.Run(plan, &logits));
    ASSERT_EQ(plan.items.size(), 1u);
    sched.Advance(plan.items[0]);
    out->max_windowed_used = std::max(out->max_windowed_used,
                                      bm.num_used_blocks(BlockKind::kWindowed));
    out->max_full_used =
        std::max(out->max_full_used, bm.num_used_blocks(BlockKind::kFull));
    if (bm.has_windowed()) {
      // Only the blocks the next query's window reads are held.
      ASSERT_LE(bm.num_used_blocks(BlockKind::kWindowed), window_bound)
          << "at position " << s.num_computed;
    }
    if (!plan.items[0].wants_logits) continue;
    ASSERT_EQ(logits.size(), static_cast<size_t>(runner.vocab_size()));
    out->logits.insert(out->logits.end(), logits.begin(), logits.end());
    s.tokens.push_back(model::ArgMax(logits));
  }
  out->tokens = s.tokens;
  out->cached = s.num_cached;
  sched.Finish(&s);
}

TEST(EngineKvTest, SlidingWindowBlocksStayBoundedOverALongGeneration) {
  ASSERT_OK_AND_ASSIGN(std::vector<GoldenPrompt> goldens, LoadGoldenPrompts());
  ModelSpec spec = GoldenSpec();
  ASSERT_OK_AND_ASSIGN(LoadedModel loaded, LoadModel(spec));
  const model::TextConfig& text = loaded.math->config().text;
  // The e2b_like golden model: sliding layers with a window of 8.
  ASSERT_TRUE(text.use_sliding_window);
  ASSERT_EQ(text.sliding_window, 8);
  const int window = text.sliding_window;
  constexpr int kBlock = 4, kBudgetBlocks = 80, kNewTokens = 160;
  const std::vector<int32_t>& prompt = goldens[2].prompt;  // 64 tokens.

  SchedulerOptions options;
  options.max_batch_tokens = 16;
  options.min_prefill_tokens = 4;
  options.max_running = 2;
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<BatchRunner> runner,
      BatchRunner::Create(loaded.math, kBudgetBlocks, kBlock, options));
  const KvPoolSizes pools = runner->kv_pools();
  EXPECT_EQ(pools.window, window);
  // The windowed pool holds the windows of max_running sequences, far
  // fewer blocks than one long sequence has; its spare bytes went to the
  // full pool.
  const int total_blocks = (64 + kNewTokens) / kBlock;
  EXPECT_LT(pools.windowed_blocks, total_blocks / 2);
  EXPECT_GT(pools.full_blocks, kBudgetBlocks);
  BlockManager bm(pools, /*enable_prefix_cache=*/true);
  WindowRun freed;
  GenerateThroughScheduler(*runner, bm, options, prompt, kNewTokens, &freed);
  ASSERT_EQ(freed.tokens.size(), prompt.size() + kNewTokens);
  EXPECT_EQ(freed.max_full_used, total_blocks);
  EXPECT_LE(freed.max_windowed_used, (window - 1 + kBlock - 1) / kBlock + 1);
  // Every block is back (cached blocks stay evictable, referenced by none).
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kFull), 0);
  EXPECT_EQ(bm.num_used_blocks(BlockKind::kWindowed), 0);
  EXPECT_EQ(bm.num_available_blocks(BlockKind::kWindowed),
            pools.windowed_blocks);
  EXPECT_EQ(bm.num_available_blocks(BlockKind::kFull), pools.full_blocks);

  // The same steps without any freeing: one pool of ids for every layer
  // (a runner whose pools are equal), nothing returned before the end.
  SchedulerOptions roomy = options;
  roomy.max_running = 64;
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<BatchRunner> plain_runner,
      BatchRunner::Create(loaded.math, total_blocks + 2, kBlock, roomy));
  ASSERT_EQ(plain_runner->kv_pools().windowed_blocks,
            plain_runner->kv_pools().full_blocks);
  BlockManager plain_bm(plain_runner->kv_pools().full_blocks, kBlock, true);
  WindowRun kept;
  GenerateThroughScheduler(*plain_runner, plain_bm, options, prompt, kNewTokens,
                           &kept);
  EXPECT_EQ(kept.max_full_used, total_blocks);
  EXPECT_EQ(freed.tokens, kept.tokens);
  ASSERT_EQ(freed.logits.size(), kept.logits.size());
  // Same model steps over the same K/V; attention only sums P·V in other
  // runs of adjacent blocks (block ids differ), so the logits agree to
  // float32 rounding of the soft-capped values (|logit| <= 6).
  float worst = 0;
  for (size_t i = 0; i < freed.logits.size(); ++i) {
    worst = std::max(worst, std::abs(freed.logits[i] - kept.logits[i]));
  }
  EXPECT_LE(worst, 1e-4f);

  // And those of the model run without the engine (whole-prompt prefill,
  // then one token a step, through its own cache), whose first 16 tokens
  // are the golden ones.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<model::KvCache> kv,
                       model::KvCache::Create(text, total_blocks + 2, kBlock));
  std::vector<int> table(total_blocks + 2);
  for (size_t i = 0; i < table.size(); ++i) table[i] = static_cast<int>(i);
  auto state = loaded.math->NewState();
  std::vector<int32_t> seq = prompt;
  model::ForwardOutput fo;
  model::ForwardEntry e{seq, 0, table, false};
  ASSERT_OK(loaded.math->Forward(state.get(), kv.get(), {&e, 1}, &fo));
  while (static_cast<int>(seq.size()) <
         static_cast<int>(prompt.size()) + kNewTokens) {
    seq.push_back(model::ArgMax(absl::MakeConstSpan(
        fo.logits_row(fo.num_rows() - 1), static_cast<size_t>(fo.vocab_size))));
    if (static_cast<int>(seq.size()) ==
        static_cast<int>(prompt.size()) + kNewTokens) {
      break;
    }
    model::ForwardEntry d{absl::MakeConstSpan(&seq.back(), 1),
                          static_cast<int>(seq.size()) - 1, table, false};
    ASSERT_OK(loaded.math->Forward(state.get(), kv.get(), {&d, 1}, &fo));
  }
  EXPECT_EQ(freed.tokens, seq);
  EXPECT_EQ(
      std::vector<int32_t>(freed.tokens.begin(),
                           freed.tokens.begin() + goldens[2].generated.size()),
      goldens[2].generated);

  // A prompt seen shortly before reuses the cached prefix, including the
  // cached windowed blocks of its last window, and gives the same tokens.
  // (After the long run above, the 15-block windowed pool has long evicted
  // the prompt's windowed blocks: LRU.)
  BlockManager fresh(pools, /*enable_prefix_cache=*/true);
  WindowRun first, again;
  GenerateThroughScheduler(*runner, fresh, options, prompt, 2, &first);
  EXPECT_EQ(first.cached, 0);
  GenerateThroughScheduler(*runner, fresh, options, prompt, kNewTokens, &again);
  EXPECT_EQ(again.cached, 60);  // 15 full blocks (the last token computes).
  EXPECT_EQ(again.tokens, freed.tokens);
  EXPECT_EQ(fresh.num_used_blocks(BlockKind::kFull), 0);
  EXPECT_EQ(fresh.num_used_blocks(BlockKind::kWindowed), 0);
}

}  // namespace
}  // namespace gemma::engine
