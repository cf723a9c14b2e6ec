// The step logic of keras-hub's BeamSampler (spec §5.5, "Beam details") as
// pure functions the engine calls once per decoding step.
//
// State: one cumulative log-probability per beam, starting [0, -1e9, ...]
// (all beams are copies of the prompt, so only beam 0 may expand at first).
// Each step:
//   cand[b, v] = log softmax(logits_b / T)[v] + beam_logprob[b]
// over the flattened beams*V candidates; the num_beams best become the new
// beams (parent = idx / V, token = idx % V). No length normalisation; the
// answer is the beam with the highest final score (BestBeam).
// keras-hub quirk kept: at a position that is still part of the prompt the
// beam keeps its prompt token, but its score still adds the chosen
// candidate's log-probability (pass `forced_token`).
// Thread-safety: pure functions.
#ifndef GEMMA_MODEL_SAMPLING_BEAM_SEARCH_H_
#define GEMMA_MODEL_SAMPLING_BEAM_SEARCH_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/types/span.h"

namespace gemma::model {

// keras-hub's initial beam scores: [0, -1e9, -1e9, ...].
std::vector<float> InitialBeamLogprobs(int num_beams);

struct BeamChoice {
  int parent = 0;     // Beam whose history (and KV cache) this one extends.
  int32_t token = 0;  // Token appended to the parent's history.
  float logprob = 0;  // New cumulative score of the beam.
};

// One beam step. `logits` holds beam_logprobs.size() rows of `vocab_size`
// values (row b = the next-token logits of beam b). Returns num_beams =
// beam_logprobs.size() choices, best first (ties: lower beam, then lower
// token id). With `forced_token`, every choice's token is replaced by it
// while its score is kept (the prompt-position quirk).
std::vector<BeamChoice> BeamSearchStep(
    absl::Span<const float> beam_logprobs, absl::Span<const float> logits,
    int vocab_size, float temperature,
    std::optional<int32_t> forced_token = std::nullopt);

// Index of the best beam (ties: lowest index), keras-hub's final argmax.
int BestBeam(absl::Span<const float> beam_logprobs);

}  // namespace gemma::model

#endif  // GEMMA_MODEL_SAMPLING_BEAM_SEARCH_H_
