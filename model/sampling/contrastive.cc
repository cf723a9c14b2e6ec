#include "model/sampling/contrastive.h"

#include <algorithm>
#include <cmath>

#include "base/logging.h"
#include "model/sampling/distribution.h"

namespace gemma::model {

void ContrastiveTopK(absl::Span<const float> logits, float temperature, int k,
                     std::vector<float>* probs, ContrastiveCandidates* out) {
  Softmax(logits, temperature, probs);
  TopIndices(*probs, k, &out->tokens);
  out->probs.clear();
  for (int32_t t : out->tokens) out->probs.push_back((*probs)[t]);
}

ContrastiveCandidates ContrastiveTopK(absl::Span<const float> logits,
                                      float temperature, int k) {
  std::vector<float> probs;
  ContrastiveCandidates c;
  ContrastiveTopK(logits, temperature, k, &probs, &c);
  return c;
}

float CosineSimilarity(absl::Span<const float> a, absl::Span<const float> b) {
  CHECK_EQ(a.size(), b.size());
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    na += static_cast<double>(a[i]) * a[i];
    nb += static_cast<double>(b[i]) * b[i];
  }
  if (na == 0 || nb == 0) return 0.0f;
  return static_cast<float>(dot / (std::sqrt(na) * std::sqrt(nb)));
}

std::vector<float> ContrastiveScores(absl::Span<const float> probs,
                                     absl::Span<const float> candidate_hidden,
                                     absl::Span<const float> previous_hidden,
                                     int hidden_dim, float alpha) {
  CHECK_GT(hidden_dim, 0);
  CHECK_EQ(candidate_hidden.size(), probs.size() * hidden_dim);
  CHECK_EQ(previous_hidden.size() % hidden_dim, 0u);
  const size_t num_prev = previous_hidden.size() / hidden_dim;
  std::vector<float> scores(probs.size());
  for (size_t c = 0; c < probs.size(); ++c) {
    absl::Span<const float> h =
        candidate_hidden.subspan(c * hidden_dim, hidden_dim);
    // Unwritten positions count as -1 in keras-hub, so -1 is the floor.
    float max_sim = -1.0f;
    for (size_t u = 0; u < num_prev; ++u) {
      max_sim = std::max(
          max_sim, CosineSimilarity(
                       h, previous_hidden.subspan(u * hidden_dim, hidden_dim)));
    }
    scores[c] = (1.0f - alpha) * probs[c] - alpha * max_sim;
  }
  return scores;
}

int ContrastivePick(absl::Span<const float> scores) { return ArgMax(scores); }

namespace {

// The sums CosineSimilarity accumulates, in the same order.
double SquaredNorm(const float* a, int n) {
  double s = 0;
  for (int i = 0; i < n; ++i) s += static_cast<double>(a[i]) * a[i];
  return s;
}

}  // namespace

ContrastiveHistory::ContrastiveHistory(int hidden_dim) : dim_(hidden_dim) {
  CHECK_GT(dim_, 0);
}

void ContrastiveHistory::Append(absl::Span<const float> rows) {
  CHECK_EQ(rows.size() % dim_, 0u);
  const size_t n = rows.size() / dim_;
  rows_.insert(rows_.end(), rows.begin(), rows.end());
  for (size_t r = 0; r < n; ++r) {
    sq_norms_.push_back(SquaredNorm(rows.data() + r * dim_, dim_));
  }
}

void ContrastiveHistory::Clear() {
  std::vector<float>().swap(rows_);
  std::vector<double>().swap(sq_norms_);
}

std::vector<float> ContrastiveHistory::Scores(
    absl::Span<const float> probs, absl::Span<const float> candidate_hidden,
    float alpha) const {
  std::vector<float> scores;
  Scores(probs, candidate_hidden, alpha, &scores);
  return scores;
}

void ContrastiveHistory::Scores(absl::Span<const float> probs,
                                absl::Span<const float> candidate_hidden,
                                float alpha, std::vector<float>* out) const {
  CHECK_EQ(candidate_hidden.size(), probs.size() * dim_);
  CHECK_GE(size(), 1);
  std::vector<float>& scores = *out;
  scores.resize(probs.size());
  for (size_t c = 0; c < probs.size(); ++c) {
    const float* h = candidate_hidden.data() + c * dim_;
    const double nh = SquaredNorm(h, dim_);
    float max_sim = -1.0f;
    for (int u = 0; u < size(); ++u) {
      const float* prev = rows_.data() + static_cast<size_t>(u) * dim_;
      double dot = 0;
      for (int i = 0; i < dim_; ++i) dot += static_cast<double>(h[i]) * prev[i];
      const float sim =
          nh == 0 || sq_norms_[u] == 0
              ? 0.0f
              : static_cast<float>(dot /
                                   (std::sqrt(nh) * std::sqrt(sq_norms_[u])));
      max_sim = std::max(max_sim, sim);
    }
    scores[c] = (1.0f - alpha) * probs[c] - alpha * max_sim;
  }
}

}  // namespace gemma::model
