#include "engine/step_cost.h"

#include <algorithm>
#include <cmath>

namespace gemma::engine {
namespace {

// Weight kept by the past at each new step.
constexpr double kDecay = 0.9;

}  // namespace

void StepCostModel::Observe(int prefill_tokens, double seconds) {
  if (seconds <= 0 || !std::isfinite(seconds) || prefill_tokens < 0) return;
  const double p = prefill_tokens;
  w_ = kDecay * w_ + 1;
  p_ = kDecay * p_ + p;
  pp_ = kDecay * pp_ + p * p;
  t_ = kDecay * t_ + seconds;
  pt_ = kDecay * pt_ + p * seconds;
}

std::optional<StepCostModel::Estimate> StepCostModel::estimate() const {
  // Variance of p over the steps seen, relative to their scale: near zero
  // when every step had the same prompt-token count.
  const double det = w_ * pp_ - p_ * p_;
  if (w_ <= 0 || det <= 1e-6 * w_ * pp_ || det <= 0) return std::nullopt;
  const double per_token = (w_ * pt_ - p_ * t_) / det;
  const double step = (t_ - per_token * p_) / w_;
  if (!(per_token > 0) || !std::isfinite(per_token)) return std::nullopt;
  return Estimate{std::max(0.0, step), per_token};
}

int StepCostModel::PrefillBudget(double stretch, int floor, int cap) const {
  const std::optional<Estimate> e = estimate();
  if (!e.has_value()) return std::min(floor, cap);
  const double tokens =
      (stretch - 1.0) * e->step_seconds / e->seconds_per_token;
  if (tokens >= cap) return cap;
  // (+1e-6: a fit that is exact up to rounding stays on its integer.)
  return std::max(floor, std::min(cap, static_cast<int>(tokens + 1e-6)));
}

}  // namespace gemma::engine
