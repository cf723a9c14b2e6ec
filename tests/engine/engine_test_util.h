// Shared helpers of the engine tests: a pool over a golden checkpoint, the
// golden prompts, and a synchronous "submit and wait" call. Test-only.
// Thread-safety: functions are reentrant.
#ifndef GEMMA_TESTS_ENGINE_ENGINE_TEST_UTIL_H_
#define GEMMA_TESTS_ENGINE_ENGINE_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "engine/model_pool.h"
#include "engine/request.h"
#include "gtest/gtest.h"
#include "tests/engine/engine_test_sink.h"
#include "tests/testing/npy.h"
#include "tests/testing/testdata.h"

namespace gemma::engine {

inline constexpr char kTestModel[] = "tiny";

// One model served from testdata/golden/<golden_case>/hf.
inline ModelSpec GoldenSpec(const std::string& golden_case = "e2b_like") {
  ModelSpec spec;
  spec.name = kTestModel;
  spec.dir = gemma::testing::GoldenPath(golden_case + "/hf");
  spec.instances = 1;
  spec.threads = 1;
  spec.kv_cache_tokens = 4096;
  spec.block_size = 8;
  spec.scheduler.max_batch_tokens = 48;
  spec.scheduler.min_prefill_tokens = 8;
  spec.scheduler.max_running = 32;
  // Scheduling that does not depend on how fast this machine runs steps,
  // so tests that count batches and preemptions are deterministic (the
  // latency bound is tested in scheduler_test and engine_equivalence_test).
  spec.scheduler.max_itl_stretch = 0;
  return spec;
}

inline absl::StatusOr<std::unique_ptr<ModelPool>> MakePool(
    const ModelSpec& spec) {
  PoolOptions options;
  options.total_threads = 2;
  return ModelPool::Create({spec}, options);
}

// prompt{i}_token_ids.npy and prompt{i}_generate_token_ids.npy.
struct GoldenPrompt {
  std::vector<int32_t> prompt;
  std::vector<int32_t> generated;  // prompt + 16 greedy tokens.
};

inline absl::StatusOr<std::vector<GoldenPrompt>> LoadGoldenPrompts(
    const std::string& golden_case = "e2b_like") {
  std::vector<GoldenPrompt> out;
  for (int i = 0; i < 3; ++i) {
    const std::string base =
        gemma::testing::GoldenPath(absl::StrCat(golden_case, "/prompt", i));
    auto p = gemma::testing::ReadNpy(base + "_token_ids.npy");
    if (!p.ok()) return p.status();
    auto g = gemma::testing::ReadNpy(base + "_generate_token_ids.npy");
    if (!g.ok()) return g.status();
    out.push_back({p->ToInts(), g->ToInts()});
  }
  return out;
}

// A single-prompt request to kTestModel.
inline Request MakeRequest(std::vector<int32_t> prompt,
                           const GenerationParams& params,
                           std::shared_ptr<RequestSink> sink) {
  Request r;
  r.model = kTestModel;
  PromptInput in;
  in.token_ids = std::move(prompt);
  r.prompts.push_back(std::move(in));
  r.params = params;
  r.sink = std::move(sink);
  return r;
}

// Greedy, no stop tokens, exactly `new_tokens` new tokens.
inline GenerationParams FixedLengthGreedy(int new_tokens) {
  GenerationParams p;
  p.max_new_tokens = new_tokens;
  p.stop_mode = StopTokensMode::kNone;
  return p;
}

// Submits and waits; the result, or the Submit error.
inline absl::StatusOr<GenerationResult> RunAlone(
    Engine& engine, std::vector<int32_t> prompt,
    const GenerationParams& params) {
  auto sink = std::make_shared<CollectingSink>();
  absl::Status st = engine.Submit(MakeRequest(std::move(prompt), params, sink));
  if (!st.ok()) return st;
  if (!sink->WaitDone(absl::Seconds(60))) {
    return absl::DeadlineExceededError("no result within 60 s");
  }
  return sink->result();
}

}  // namespace gemma::engine

#endif  // GEMMA_TESTS_ENGINE_ENGINE_TEST_UTIL_H_
