// The scoring of keras-hub's ContrastiveSampler (spec §5.5, "Contrastive
// details") as pure functions the engine calls once per decoding step.
//
// Per step the engine:
//  1. takes the top-k candidates of softmax(logits / T) (ContrastiveTopK);
//  2. runs one model step per candidate, getting its next logits and its
//     final-norm hidden state h_cand;
//  3. scores each candidate:
//       score = (1 - alpha) * p_cand - alpha * max_u cos(h_cand, h_u)
//     over the hidden states h_u of every earlier position (prompt included);
//  4. keeps the argmax (ties: the more probable candidate, i.e. the lower
//     candidate index), with its cache, logits and hidden state.
// ContrastiveHistory keeps one sequence's hidden states with their norms,
// so a step costs one dot product per (candidate, position) pair; its
// scores equal ContrastiveScores' bit for bit.
// Thread-safety: pure functions; a ContrastiveHistory is a plain value (not
// thread-safe), owned by one sequence.
#ifndef GEMMA_MODEL_SAMPLING_CONTRASTIVE_H_
#define GEMMA_MODEL_SAMPLING_CONTRASTIVE_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace gemma::model {

struct ContrastiveCandidates {
  std::vector<int32_t> tokens;  // Most probable first.
  std::vector<float> probs;     // softmax(logits / T) of each token.
};

ContrastiveCandidates ContrastiveTopK(absl::Span<const float> logits,
                                      float temperature, int k);
// The same into `out`, with `probs` as the softmax's scratch; reuses the
// capacity of both (no allocation per step once warm).
void ContrastiveTopK(absl::Span<const float> logits, float temperature, int k,
                     std::vector<float>* probs, ContrastiveCandidates* out);

// cos(a, b); 0 when either vector is zero.
float CosineSimilarity(absl::Span<const float> a, absl::Span<const float> b);

// Scores of the candidates. `candidate_hidden` holds probs.size() rows and
// `previous_hidden` one or more rows, all of `hidden_dim` values.
std::vector<float> ContrastiveScores(absl::Span<const float> probs,
                                     absl::Span<const float> candidate_hidden,
                                     absl::Span<const float> previous_hidden,
                                     int hidden_dim, float alpha);

// Index (into the candidates) of the best score, ties to the lowest.
int ContrastivePick(absl::Span<const float> scores);

// The final-normed hidden states of a sequence's positions 0..size()-1.
class ContrastiveHistory {
 public:
  explicit ContrastiveHistory(int hidden_dim);

  int hidden_dim() const { return dim_; }
  // Positions held.
  int size() const { return static_cast<int>(sq_norms_.size()); }
  // Appends rows.size() / hidden_dim() positions.
  void Append(absl::Span<const float> rows);
  // Frees the states.
  void Clear();

  // ContrastiveScores(probs, candidate_hidden, <the states held>, ...).
  // Needs size() >= 1.
  std::vector<float> Scores(absl::Span<const float> probs,
                            absl::Span<const float> candidate_hidden,
                            float alpha) const;
  // The same into `scores`, reusing its capacity.
  void Scores(absl::Span<const float> probs,
              absl::Span<const float> candidate_hidden, float alpha,
              std::vector<float>* scores) const;

 private:
  int dim_;
  std::vector<float> rows_;
  std::vector<double> sq_norms_;  // Per position, as CosineSimilarity sums.
};

}  // namespace gemma::model

#endif  // GEMMA_MODEL_SAMPLING_CONTRASTIVE_H_
