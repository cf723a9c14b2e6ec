#include "model/sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "model/sampling/distribution.h"

namespace gemma::model {

absl::string_view SamplerKindName(SamplerKind kind) {
  switch (kind) {
    case SamplerKind::kGreedy:
      return "greedy";
    case SamplerKind::kRandom:
      return "random";
    case SamplerKind::kTopK:
      return "top_k";
    case SamplerKind::kTopP:
      return "top_p";
    case SamplerKind::kBeam:
      return "beam";
    case SamplerKind::kContrastive:
      return "contrastive";
  }
  return "?";
}

absl::Status ValidateSamplingConfig(const SamplingConfig& c, int vocab_size) {
  const std::string name(SamplerKindName(c.kind));
  // NaN fails every comparison, so test for the valid range.
  if (!(c.temperature > 0) || !std::isfinite(c.temperature)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "temperature must be a finite number > 0 (got ", c.temperature,
        "); use the greedy sampler for deterministic output"));
  }
  switch (c.kind) {
    case SamplerKind::kGreedy:
    case SamplerKind::kRandom:
      break;
    case SamplerKind::kTopK:
    case SamplerKind::kContrastive:
      if (c.k < 1 || c.k > vocab_size) {
        return absl::InvalidArgumentError(
            absl::StrCat(name, " sampler: k must be in [1, ", vocab_size,
                         "] (the vocabulary size), got ", c.k));
      }
      break;
    case SamplerKind::kTopP:
      if (c.k < 0 || c.k > vocab_size) {
        return absl::InvalidArgumentError(
            absl::StrCat("top_p sampler: k must be 0 (no cap) or in [1, ",
                         vocab_size, "], got ", c.k));
      }
      break;
    case SamplerKind::kBeam:
      if (c.num_beams < 1 || c.num_beams > vocab_size) {
        return absl::InvalidArgumentError(
            absl::StrCat("beam sampler: num_beams must be in [1, ", vocab_size,
                         "], got ", c.num_beams));
      }
      break;
  }
  if (c.kind == SamplerKind::kTopP && !(c.p >= 0 && c.p <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("top_p sampler: p must be in [0, 1], got ", c.p));
  }
  if (c.kind == SamplerKind::kContrastive && !(c.alpha >= 0 && c.alpha <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "contrastive sampler: alpha must be in [0, 1], got ", c.alpha));
  }
  return absl::OkStatus();
}

TokenSampler::TokenSampler(const SamplingConfig& config, uint64_t seed)
    : config_(config), rng_(seed) {
  CHECK(config.kind != SamplerKind::kBeam &&
        config.kind != SamplerKind::kContrastive)
      << "TokenSampler handles single-row samplers only";
  CHECK(config.temperature > 0);
}

int32_t TokenSampler::Sample(absl::Span<const float> logits) {
  CHECK(!logits.empty());
  switch (config_.kind) {
    case SamplerKind::kGreedy:
      return ArgMax(logits);
    case SamplerKind::kRandom:
      return SampleRandom(logits);
    case SamplerKind::kTopK:
      return SampleTopK(logits);
    case SamplerKind::kTopP:
      return SampleTopP(logits);
    case SamplerKind::kBeam:
    case SamplerKind::kContrastive:
      break;
  }
  LOG(FATAL) << "unsupported sampler kind";
  return 0;
}

template <typename T>
int TokenSampler::DrawIndexImpl(absl::Span<const T> weights) {
  double total = 0;
  for (double w : weights) total += w;
  const double target = rng_.Uniform() * total;
  double acc = 0;
  int last_positive = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] <= 0) continue;
    acc += weights[i];
    last_positive = static_cast<int>(i);
    if (target < acc) return static_cast<int>(i);
  }
  return last_positive;  // Rounding at the top end.
}

int TokenSampler::DrawIndex(absl::Span<const double> weights) {
  return DrawIndexImpl(weights);
}

int TokenSampler::DrawIndex(absl::Span<const float> weights) {
  return DrawIndexImpl(weights);
}

int32_t TokenSampler::SampleRandom(absl::Span<const float> logits) {
  Softmax(logits, config_.temperature, &probs_);
  return DrawIndex(probs_);
}

int32_t TokenSampler::SampleTopK(absl::Span<const float> logits) {
  Softmax(logits, config_.temperature, &probs_);
  TopIndices(probs_, config_.k, &order_);
  weights_.resize(order_.size());
  for (size_t i = 0; i < order_.size(); ++i) weights_[i] = probs_[order_[i]];
  return order_[DrawIndex(weights_)];
}

int32_t TokenSampler::SampleTopP(absl::Span<const float> logits) {
  Softmax(logits, config_.temperature, &probs_);
  const int vocab = static_cast<int>(probs_.size());
  const double p = config_.p;
  if (p >= 1 && config_.k <= 0) {
    // Everything is kept: a plain draw over the whole distribution.
    return DrawIndex(probs_);
  }
  weights_.clear();
  order_.clear();
  double cum = 0;  // Mass of the ids already kept.
  if (config_.k > 0 && config_.k < vocab) {
    TopIndices(probs_, config_.k, &order_);
  } else {
    // Only the head of the ranking needs sorting. Bucket the ids by
    // log-probability (fine buckets, from the logits: no log calls); every
    // bucket above the one where the cumulative mass crosses p is kept
    // whole, and only the crossing bucket is sorted.
    constexpr int kBuckets = 4096;
    constexpr float kNatsPerBucket = 0.01f;
    float max_logit = logits[ArgMax(logits)];
    const float scale = 1.0f / (config_.temperature * kNatsPerBucket);
    bucket_of_.resize(vocab);
    bucket_mass_.assign(kBuckets, 0.0);
    for (int i = 0; i < vocab; ++i) {
      const float d = (max_logit - logits[i]) * scale;
      const int b = d < kBuckets - 1 ? static_cast<int>(d) : kBuckets - 1;
      bucket_of_[i] = b;
      bucket_mass_[b] += probs_[i];
    }
    int crossing = kBuckets;
    double before = 0;
    for (int b = 0; b < kBuckets; ++b) {
      if (before + bucket_mass_[b] > p) {
        crossing = b;
        break;
      }
      before += bucket_mass_[b];
    }
    for (int i = 0; i < vocab; ++i) {
      if (bucket_of_[i] < crossing) {
        weights_.push_back(probs_[i]);
        order_.push_back(i);
      }
    }
    cum = before;
    const size_t head = order_.size();
    for (int i = 0; i < vocab; ++i) {
      if (bucket_of_[i] == crossing) order_.push_back(i);
    }
    std::sort(
        order_.begin() + head, order_.end(), [this](int32_t a, int32_t b) {
          return probs_[a] > probs_[b] || (probs_[a] == probs_[b] && a < b);
        });
    // Continue the keep rule inside the crossing bucket.
    size_t keep = head;
    for (size_t i = head; i < order_.size(); ++i) {
      if (i > 0 && !(cum <= p)) break;
      cum += probs_[order_[i]];
      weights_.push_back(probs_[order_[i]]);
      keep = i + 1;
    }
    order_.resize(keep);
    return order_[DrawIndex(weights_)];
  }
  size_t keep = 0;
  for (size_t i = 0; i < order_.size(); ++i) {
    if (i > 0 && !(cum <= p) && p < 1) break;
    cum += probs_[order_[i]];
    keep = i + 1;
  }
  weights_.resize(keep);
  for (size_t i = 0; i < keep; ++i) weights_[i] = probs_[order_[i]];
  return order_[DrawIndex(weights_)];
}

}  // namespace gemma::model
