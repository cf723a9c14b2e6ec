// Turning a row of logits into probabilities, log-probabilities and ranked
// token lists: the arithmetic every sampler shares (spec §5.5).
//
// probs = softmax(float32(logits) / temperature), computed as
// exp((x - max) / T) normalised, which equals keras-hub's softmax(x / T) up
// to rounding and never overflows for small T. Reported log-probabilities
// are those of the model's own distribution (temperature 1), which is what
// OpenAI-style APIs report.
// Thread-safety: pure functions.
#ifndef GEMMA_MODEL_SAMPLING_DISTRIBUTION_H_
#define GEMMA_MODEL_SAMPLING_DISTRIBUTION_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/types/span.h"

namespace gemma::model {

// softmax(logits / temperature) into `probs` (resized to logits.size()).
// temperature must be > 0. Non-finite logits: -inf gets probability 0.
void Softmax(absl::Span<const float> logits, float temperature,
             std::vector<float>* probs);

// log(sum(exp(logits))), computed stably.
double LogSumExp(absl::Span<const float> logits);

// Indices of the `n` largest values, largest first; ties go to the lower
// index (keras-hub's argmax/top-k order). n is clamped to values.size().
std::vector<int32_t> TopIndices(absl::Span<const float> values, int n);
// The same into `out`, reusing its capacity (no allocation once warm).
void TopIndices(absl::Span<const float> values, int n,
                std::vector<int32_t>* out);

// Index of the largest value, ties to the lowest index.
int32_t ArgMax(absl::Span<const float> values);

struct Logprobs {
  int32_t token = 0;
  float logprob = 0;
  std::vector<std::pair<int32_t, float>> top;  // Most likely first.
};

// log-softmax (temperature 1) of `token` and of the `top_n` most likely ids.
Logprobs ComputeLogprobs(absl::Span<const float> logits, int32_t token,
                         int top_n);

}  // namespace gemma::model

#endif  // GEMMA_MODEL_SAMPLING_DISTRIBUTION_H_
