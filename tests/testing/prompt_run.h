// Runs one prompt through a Gemma4Model the way the golden tests compare it
// with keras-hub: the whole prompt in one step (with its media embeddings,
// logits at every position), then greedy decode steps (text only) through
// the KV cache. Test-only; the model is used as the engine uses it, with a
// fresh ForwardState and a private cache.
// Thread-safety: pure function of its arguments.
#ifndef GEMMA_TESTS_TESTING_PROMPT_RUN_H_
#define GEMMA_TESTS_TESTING_PROMPT_RUN_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/decoder/gemma4_model.h"

namespace gemma::testing {

struct PromptRun {
  std::vector<float> prompt_logits;  // [prompt length, vocab].
  // The prompt followed by greedy tokens, `total_length` long.
  std::vector<int32_t> tokens;
};

// `mm` may be null (text only). `total_length` counts the prompt; a cache
// of 64 blocks of 8 tokens holds it (INVALID_ARGUMENT beyond 512).
absl::StatusOr<PromptRun> RunPromptThenGreedy(const model::Gemma4Model& model,
                                              absl::Span<const int32_t> prompt,
                                              const model::MultimodalInput* mm,
                                              size_t total_length);

}  // namespace gemma::testing

#endif  // GEMMA_TESTS_TESTING_PROMPT_RUN_H_
