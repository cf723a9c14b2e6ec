// keras-hub's token samplers over one row of logits (spec §5.5): greedy,
// random, top-k and top-p, with temperature; plus the validation of their
// parameters. Beam search and contrastive search need several model rows per
// step; their step logic is in beam_search.h and contrastive.h.
//
// Semantics (keras-hub):
//  - greedy: argmax, ties to the lowest index (temperature cancels out).
//  - random: one draw from softmax(logits / T) over the whole vocabulary.
//  - top_k:  keep the k most probable ids, draw proportionally to their
//            probabilities (implicit renormalisation).
//  - top_p:  sort descending (only the k most probable when k > 0), keep id
//            i iff i == 0 or cumsum_{i-1} <= p (the smallest prefix whose
//            mass exceeds p, crossing token included); p >= 1 keeps all.
// temperature must be > 0; as it goes to 0 every sampler becomes greedy.
// Thread-safety: TokenSampler is not thread-safe (it owns its Rng and scratch
// buffers); use one per sequence. Free functions are pure.
#ifndef GEMMA_MODEL_SAMPLING_SAMPLER_H_
#define GEMMA_MODEL_SAMPLING_SAMPLER_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "model/sampling/rng.h"

namespace gemma::model {

enum class SamplerKind { kGreedy, kRandom, kTopK, kTopP, kBeam, kContrastive };

// keras-hub's registered name ("greedy", "top_k", ...).
absl::string_view SamplerKindName(SamplerKind kind);

struct SamplingConfig {
  SamplerKind kind = SamplerKind::kGreedy;
  float temperature = 1.0f;  // > 0.
  int k = 5;                 // top_k: k (1..V); top_p: optional cap (0 = none);
                             // contrastive: candidates per step (1..V).
  float p = 0.1f;            // top_p nucleus mass in [0, 1].
  int num_beams = 5;         // beam: >= 1.
  float alpha = 0.6f;        // contrastive penalty in [0, 1].
};

// INVALID_ARGUMENT with an actionable message when a parameter is out of
// range for a vocabulary of `vocab_size` ids.
absl::Status ValidateSamplingConfig(const SamplingConfig& config,
                                    int vocab_size);

class TokenSampler {
 public:
  // `config` must be valid (ValidateSamplingConfig) and its kind one of
  // greedy, random, top_k, top_p.
  TokenSampler(const SamplingConfig& config, uint64_t seed);

  // Picks the next token from one row of logits.
  int32_t Sample(absl::Span<const float> logits);

  const SamplingConfig& config() const { return config_; }

 private:
  int32_t SampleRandom(absl::Span<const float> logits);
  int32_t SampleTopK(absl::Span<const float> logits);
  int32_t SampleTopP(absl::Span<const float> logits);
  // Draws an index of `weights` (not necessarily normalised) in proportion.
  int DrawIndex(absl::Span<const double> weights);
  int DrawIndex(absl::Span<const float> weights);
  template <typename T>
  int DrawIndexImpl(absl::Span<const T> weights);

  SamplingConfig config_;
  Rng rng_;
  std::vector<float> probs_;
  std::vector<int32_t> order_;
  std::vector<double> weights_;
  std::vector<int> bucket_of_;       // top_p: log-probability bucket per id.
  std::vector<double> bucket_mass_;  // top_p: mass per bucket.
};

}  // namespace gemma::model

#endif  // GEMMA_MODEL_SAMPLING_SAMPLER_H_
