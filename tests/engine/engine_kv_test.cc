// The paged KV cache seen through the engine, on a real golden model:
// the prefix cache serves a repeated long prefix (and does not change the
// tokens), and a KV pool too small for all requests at once preempts and
// recomputes without changing any request's tokens.
#include <memory>
#include <vector>

#include "gtest/gtest.h"
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

}  // namespace
}  // namespace gemma::engine
