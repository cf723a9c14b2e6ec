// Beam search inside the batching engine, on the golden models: one beam is
// greedy search (so it reproduces the keras-hub greedy goldens); several
// beams give the same tokens alone, batched with other requests, and under
// a KV pool so small that beams are preempted and their shared blocks
// copied on write.
#include <memory>
#include <vector>

#include "gtest/gtest.h"
#include "tests/engine/engine_test_util.h"
#include "tests/testing/status_matchers.h"

namespace gemma::engine {
namespace {

GenerationParams Beam(int beams, int new_tokens) {
  GenerationParams p = FixedLengthGreedy(new_tokens);
  p.sampler.type = SamplerType::kBeam;
  p.sampler.num_beams = beams;
  return p;
}

TEST(EngineBeamTest, OneBeamIsGreedy) {
  ASSERT_OK_AND_ASSIGN(std::vector<GoldenPrompt> goldens, LoadGoldenPrompts());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> pool, MakePool(GoldenSpec()));
  for (const GoldenPrompt& g : goldens) {
    ASSERT_OK_AND_ASSIGN(GenerationResult r,
                         RunAlone(*pool, g.prompt, Beam(1, 16)));
    ASSERT_OK(r.status);
    EXPECT_EQ(r.token_ids, g.generated);
  }
}

TEST(EngineBeamTest, BeamsGiveTheSameTokensAloneBatchedAndPreempted) {
  ASSERT_OK_AND_ASSIGN(std::vector<GoldenPrompt> goldens, LoadGoldenPrompts());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> pool, MakePool(GoldenSpec()));
  std::vector<std::vector<int32_t>> alone;
  for (const GoldenPrompt& g : goldens) {
    ASSERT_OK_AND_ASSIGN(GenerationResult r,
                         RunAlone(*pool, g.prompt, Beam(3, 12)));
    ASSERT_OK(r.status);
    EXPECT_EQ(r.token_ids.size(), g.prompt.size() + 12);
    alone.push_back(r.token_ids);
  }
  EXPECT_EQ(pool->Stats()[0].kv_blocks_used, 0);

  // Batched with each other and with greedy requests; then again in a pool
  // of 20 blocks (all three searches need 6 + 6 + 10 blocks for their
  // prompts alone), which forces preemption of beams.
  for (int64_t kv_tokens : {4096, 160}) {
    ModelSpec spec = GoldenSpec();
    spec.kv_cache_tokens = kv_tokens;
    spec.prefix_cache = false;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> p, MakePool(spec));
    std::vector<std::shared_ptr<CollectingSink>> sinks;
    for (const GoldenPrompt& g : goldens) {
      sinks.push_back(std::make_shared<CollectingSink>());
      ASSERT_OK(p->Submit(MakeRequest(g.prompt, Beam(3, 12), sinks.back())));
      auto greedy = std::make_shared<CollectingSink>();
      ASSERT_OK(
          p->Submit(MakeRequest(g.prompt, FixedLengthGreedy(16), greedy)));
      sinks.push_back(greedy);
    }
    for (size_t i = 0; i < sinks.size(); ++i) {
      const EngineStats st = p->Stats()[0];
      ASSERT_TRUE(sinks[i]->WaitDone(absl::Seconds(60)))
          << "request " << i << " kv " << kv_tokens << ": steps "
          << st.steps_total << ", running " << st.running_sequences
          << ", last batch " << st.last_batch_sequences << ", blocks used "
          << st.kv_blocks_used;
      const GenerationResult r = sinks[i]->result();
      ASSERT_OK(r.status);
      if (i % 2 == 0) {
        EXPECT_EQ(r.token_ids, alone[i / 2]) << "kv " << kv_tokens;
      } else {
        EXPECT_EQ(r.token_ids, goldens[i / 2].generated) << "kv " << kv_tokens;
      }
    }
    const EngineStats st = p->Stats()[0];
    if (kv_tokens == 160) {
      EXPECT_GT(st.preemptions_total, 0);
    }
    EXPECT_EQ(st.kv_blocks_used, 0);
    EXPECT_EQ(st.running_sequences, 0);
  }
}

}  // namespace
}  // namespace gemma::engine
