#include "model/ops/rope.h"

#include <cmath>
#include <cstddef>

namespace gemma::model::ops {

std::vector<float> RopeInverseFrequencies(const RopeParams& p) {
  const int half = p.rotated / 2;
  std::vector<float> w(half);
  for (int i = 0; i < half; ++i) {
    const float exponent =
        static_cast<float>(2 * i) / static_cast<float>(p.head_dim);
    w[i] = std::pow(p.base, -exponent) / p.scaling;
  }
  return w;
}

void RopeTable::Compute(const RopeParams& p, const int* positions, int n) {
  if (p.head_dim != params_.head_dim || p.rotated != params_.rotated ||
      p.base != params_.base || p.scaling != params_.scaling ||
      inv_freq_.empty()) {
    params_ = p;
    inv_freq_ = RopeInverseFrequencies(p);
  }
  const int half = p.rotated / 2;
  const size_t need = static_cast<size_t>(n) * half;
  if (cos_.size() < need) {
    cos_.resize(need);
    sin_.resize(need);
  }
  for (int t = 0; t < n; ++t) {
    const float pos = static_cast<float>(positions[t]);
    for (int i = 0; i < half; ++i) {
      const float theta = pos * inv_freq_[i];
      cos_[static_cast<size_t>(t) * half + i] = std::cos(theta);
      sin_[static_cast<size_t>(t) * half + i] = std::sin(theta);
    }
  }
}

void RopeTable::Apply(float* x, int t, int heads) const {
  const int d = params_.head_dim;
  const int half = params_.rotated / 2;
  const int split = d / 2;
  const float* c = cos_.data() + static_cast<size_t>(t) * half;
  const float* s = sin_.data() + static_cast<size_t>(t) * half;
  for (int h = 0; h < heads; ++h) {
    float* v = x + static_cast<size_t>(h) * d;
    for (int i = 0; i < half; ++i) {
      const float a = v[i];
      const float b = v[i + split];
      v[i] = a * c[i] - b * s[i];
      v[i + split] = b * c[i] + a * s[i];
    }
  }
}

}  // namespace gemma::model::ops
