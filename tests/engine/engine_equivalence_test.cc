// Continuous batching must not change what a request generates: 16
// concurrent requests with mixed prompt lengths and samplers give, for each
// greedy or seeded request, exactly the tokens it gives alone, and the
// keras-hub goldens where one exists. Real model: the golden checkpoints.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/engine_test_util.h"
#include "tests/testing/status_matchers.h"

namespace gemma::engine {
namespace {

struct Case {
  std::vector<int32_t> prompt;
  GenerationParams params;
  std::vector<int32_t> golden;  // Empty when there is none.
};

// 16 requests: the 3 golden prompts (greedy, fixed length: the goldens),
// and 13 others of lengths 2..90 over the golden prompts' tokens, with
// greedy, random, top-k and top-p samplers, seeded, some with auto stops.
std::vector<Case> MakeCases(const std::vector<GoldenPrompt>& goldens) {
  std::vector<Case> cases;
  for (const GoldenPrompt& g : goldens) {
    cases.push_back({g.prompt, FixedLengthGreedy(16), g.generated});
  }
  std::vector<int32_t> pool;  // Token material for the other prompts.
  for (const GoldenPrompt& g : goldens) {
    pool.insert(pool.end(), g.prompt.begin() + 1, g.prompt.end());
  }
  const int lengths[] = {2, 5, 9, 17, 33, 90, 12, 41, 7, 64, 3, 25, 70};
  for (int i = 0; i < 13; ++i) {
    Case c;
    c.prompt.push_back(goldens[0].prompt[0]);  // <bos>
    for (int j = 1; j < lengths[i]; ++j) {
      c.prompt.push_back(pool[(j * 7 + i * 13) % pool.size()]);
    }
    GenerationParams& p = c.params;
    p.max_new_tokens = 6 + (i * 5) % 20;
    p.stop_mode = i % 3 == 0 ? StopTokensMode::kAuto : StopTokensMode::kNone;
    p.sampler.seed = 1000 + i;
    switch (i % 4) {
      case 0:
        p.sampler.type = SamplerType::kGreedy;
        break;
      case 1:
        p.sampler.type = SamplerType::kRandom;
        p.sampler.temperature = 0.9f;
        break;
      case 2:
        p.sampler.type = SamplerType::kTopK;
        p.sampler.k = 8;
        p.sampler.temperature = 1.3f;
        break;
      case 3:
        p.sampler.type = SamplerType::kTopP;
        p.sampler.p = 0.8f;
        break;
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

class EngineEquivalenceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EngineEquivalenceTest, BatchedEqualsAloneEqualsGolden) {
  ASSERT_OK_AND_ASSIGN(std::vector<GoldenPrompt> goldens,
                       LoadGoldenPrompts(GetParam()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> pool,
                       MakePool(GoldenSpec(GetParam())));
  const std::vector<Case> cases = MakeCases(goldens);
  ASSERT_EQ(cases.size(), 16u);

  // Alone: one request at a time.
  std::vector<std::vector<int32_t>> alone;
  for (const Case& c : cases) {
    ASSERT_OK_AND_ASSIGN(GenerationResult r,
                         RunAlone(*pool, c.prompt, c.params));
    ASSERT_OK(r.status);
    alone.push_back(r.token_ids);
    if (!c.golden.empty()) {
      EXPECT_EQ(r.token_ids, c.golden) << "alone vs keras-hub golden";
    }
  }

  // Together: all 16 submitted at once, so decode steps batch them and the
  // long prompts are prefilled in chunks alongside running decodes; once
  // with the deterministic schedule, once with prefill chunks held to the
  // latency bound, whose sizes follow the measured step times.
  for (const double stretch : {0.0, 1.5}) {
    SCOPED_TRACE(absl::StrCat("max_itl_stretch ", stretch));
    ModelSpec spec = GoldenSpec(GetParam());
    spec.scheduler.max_itl_stretch = stretch;
    ASSERT_OK_AND_ASSIGN(pool, MakePool(spec));
    std::vector<std::shared_ptr<CollectingSink>> sinks;
    for (const Case& c : cases) {
      sinks.push_back(std::make_shared<CollectingSink>());
      ASSERT_OK(pool->Submit(MakeRequest(c.prompt, c.params, sinks.back())));
    }
    // Watch the batch sizes while the requests run.
    int max_batch = 0;
    const absl::Time give_up = absl::Now() + absl::Seconds(120);
    auto all_done = [&sinks] {
      for (auto& s : sinks) {
        if (s->num_done() == 0) return false;
      }
      return true;
    };
    while (!all_done() && absl::Now() < give_up) {
      for (const EngineStats& st : pool->Stats()) {
        max_batch = std::max(max_batch, st.last_batch_sequences);
      }
      absl::SleepFor(absl::Microseconds(200));
    }
    ASSERT_TRUE(all_done());
    for (size_t i = 0; i < cases.size(); ++i) {
      const GenerationResult r = sinks[i]->result();
      ASSERT_OK(r.status);
      EXPECT_EQ(r.token_ids, alone[i])
          << "request " << i << " batched vs alone";
      if (!cases[i].golden.empty()) {
        EXPECT_EQ(r.token_ids, cases[i].golden) << "request " << i;
      }
      // The stream carries exactly the generated tokens.
      const std::vector<int32_t> generated(
          r.token_ids.begin() + cases[i].prompt.size(), r.token_ids.end());
      EXPECT_EQ(sinks[i]->streamed(), generated) << "request " << i;
      EXPECT_EQ(sinks[i]->violations(), 0);
      EXPECT_EQ(r.usage.prompt_tokens,
                static_cast<int>(cases[i].prompt.size()));
    }
    // The engine really batched.
    std::vector<EngineStats> stats = pool->Stats();
    ASSERT_EQ(stats.size(), 1u);
    EXPECT_GT(max_batch, 1);
    EXPECT_EQ(stats[0].running_sequences, 0);
    EXPECT_EQ(stats[0].kv_blocks_used, 0);
    EXPECT_EQ(pool->InFlight(), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Goldens, EngineEquivalenceTest,
                         ::testing::Values("e2b_like", "moe_like",
                                           "dense_like"));

}  // namespace
}  // namespace gemma::engine
