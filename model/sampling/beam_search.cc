#include "model/sampling/beam_search.h"

#include <algorithm>
#include <cmath>

#include "base/logging.h"
#include "model/sampling/distribution.h"

namespace gemma::model {

std::vector<float> InitialBeamLogprobs(int num_beams) {
  CHECK_GE(num_beams, 1);
  std::vector<float> lp(num_beams, -1e9f);
  lp[0] = 0.0f;
  return lp;
}

std::vector<BeamChoice> BeamSearchStep(absl::Span<const float> beam_logprobs,
                                       absl::Span<const float> logits,
                                       int vocab_size, float temperature,
                                       std::optional<int32_t> forced_token) {
  const int num_beams = static_cast<int>(beam_logprobs.size());
  CHECK_GE(num_beams, 1);
  CHECK_EQ(logits.size(), static_cast<size_t>(num_beams) * vocab_size);
  CHECK(temperature > 0);

  // The global top num_beams is contained in the union of each row's top
  // num_beams, so only those candidates are ranked.
  struct Cand {
    float score;
    int64_t flat;
  };
  std::vector<Cand> cands;
  cands.reserve(static_cast<size_t>(num_beams) * num_beams);
  std::vector<float> scaled(vocab_size);
  for (int b = 0; b < num_beams; ++b) {
    absl::Span<const float> row =
        logits.subspan(static_cast<size_t>(b) * vocab_size, vocab_size);
    for (int v = 0; v < vocab_size; ++v) scaled[v] = row[v] / temperature;
    const double lse = LogSumExp(scaled);
    for (int32_t v : TopIndices(scaled, num_beams)) {
      const float logp = static_cast<float>(scaled[v] - lse);
      cands.push_back(
          {logp + beam_logprobs[b], static_cast<int64_t>(b) * vocab_size + v});
    }
  }
  std::sort(cands.begin(), cands.end(), [](const Cand& a, const Cand& b) {
    return a.score > b.score || (a.score == b.score && a.flat < b.flat);
  });
  std::vector<BeamChoice> out;
  out.reserve(num_beams);
  for (int i = 0; i < num_beams; ++i) {
    BeamChoice c;
    c.parent = static_cast<int>(cands[i].flat / vocab_size);
    c.token = forced_token.has_value()
                  ? *forced_token
                  : static_cast<int32_t>(cands[i].flat % vocab_size);
    c.logprob = cands[i].score;
    out.push_back(c);
  }
  return out;
}

int BestBeam(absl::Span<const float> beam_logprobs) {
  return ArgMax(beam_logprobs);
}

}  // namespace gemma::model
