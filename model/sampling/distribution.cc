#include "model/sampling/distribution.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "base/logging.h"

namespace gemma::model {
namespace {

float MaxOf(absl::Span<const float> v) {
  float m = -std::numeric_limits<float>::infinity();
  for (float x : v) m = std::max(m, x);
  return m;
}

}  // namespace

void Softmax(absl::Span<const float> logits, float temperature,
             std::vector<float>* probs) {
  CHECK(temperature > 0) << "temperature must be > 0";
  probs->resize(logits.size());
  if (logits.empty()) return;
  const float max = MaxOf(logits);
  if (!std::isfinite(max)) {
    // All -inf (or a +inf/NaN logit): fall back to a point mass on the
    // argmax so callers always get a distribution.
    std::fill(probs->begin(), probs->end(), 0.0f);
    (*probs)[ArgMax(logits)] = 1.0f;
    return;
  }
  const float inv_t = 1.0f / temperature;
  double sum = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    float e = std::exp((logits[i] - max) * inv_t);
    (*probs)[i] = e;
    sum += e;
  }
  const double inv_sum = 1.0 / sum;
  for (float& p : *probs) p = static_cast<float>(p * inv_sum);
}

double LogSumExp(absl::Span<const float> logits) {
  const float max = MaxOf(logits);
  if (!std::isfinite(max)) return max;
  double sum = 0;
  for (float x : logits) sum += std::exp(static_cast<double>(x) - max);
  return max + std::log(sum);
}

int32_t ArgMax(absl::Span<const float> values) {
  CHECK(!values.empty());
  int32_t best = 0;
  for (size_t i = 1; i < values.size(); ++i) {
    // Strictly greater: ties keep the lower index. NaN never wins.
    if (values[i] > values[best] || std::isnan(values[best])) {
      best = static_cast<int32_t>(i);
    }
  }
  return best;
}

void TopIndices(absl::Span<const float> values, int n,
                std::vector<int32_t>* out) {
  std::vector<int32_t>& result = *out;
  result.clear();
  n = std::max(0, std::min<int>(n, static_cast<int>(values.size())));
  auto better = [&values](int32_t a, int32_t b) {
    return values[a] > values[b] || (values[a] == values[b] && a < b);
  };
  if (n == 0) return;
  if (n <= 64) {
    // Insertion into a short sorted list: one pass over the row.
    result.reserve(n + 1);
    for (int32_t i = 0; i < static_cast<int32_t>(values.size()); ++i) {
      if (static_cast<int>(result.size()) == n && !better(i, result.back())) {
        continue;
      }
      auto pos =
          std::upper_bound(result.begin(), result.end(), i,
                           [&](int32_t a, int32_t b) { return better(a, b); });
      result.insert(pos, i);
      if (static_cast<int>(result.size()) > n) result.pop_back();
    }
    return;
  }
  result.resize(values.size());
  std::iota(result.begin(), result.end(), 0);
  std::partial_sort(result.begin(), result.begin() + n, result.end(), better);
  result.resize(n);
}

std::vector<int32_t> TopIndices(absl::Span<const float> values, int n) {
  std::vector<int32_t> result;
  TopIndices(values, n, &result);
  return result;
}

Logprobs ComputeLogprobs(absl::Span<const float> logits, int32_t token,
                         int top_n) {
  CHECK(token >= 0 && static_cast<size_t>(token) < logits.size());
  const double lse = LogSumExp(logits);
  Logprobs out;
  out.token = token;
  out.logprob = static_cast<float>(logits[token] - lse);
  for (int32_t id : TopIndices(logits, top_n)) {
    out.top.emplace_back(id, static_cast<float>(logits[id] - lse));
  }
  return out;
}

}  // namespace gemma::model
