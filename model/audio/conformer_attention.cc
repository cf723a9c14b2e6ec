#include "model/audio/conformer_attention.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "model/vision/tensor_floats.h"

namespace gemma::model {
namespace {

float Softplus(float x) { return std::log1p(std::exp(x)); }

}  // namespace

absl::StatusOr<ConformerAttention> ConformerAttention::Load(
    const dnnl::engine& engine, const WeightStore& store,
    const AudioConfig& config, const std::string& prefix,
    ops::WeightFormat format) {
  const int d = config.hidden_dim;
  if (config.context_right != 0 || config.context_left < 2) {
    return absl::UnimplementedError(absl::StrCat(
        "audio attention supports attention_context_right 0 and "
        "attention_context_left >= 2 (every released model); got left ",
        config.context_left, ", right ", config.context_right));
  }
  ConformerAttention a;
  a.num_heads_ = config.num_heads;
  a.head_dim_ = d / config.num_heads;
  a.window_ = config.context_left - 2;
  a.logit_cap_ = config.logit_cap;
  auto load = [&](const std::string& name) -> absl::StatusOr<ClippedLinear> {
    return ClippedLinear::Load(
        engine, store, prefix + name + ".linear.weight", d, d,
        config.use_clipped_linears ? prefix + name : "", format);
  };
  GEMMA_ASSIGN_OR_RETURN(a.q_, load("q_proj"));
  GEMMA_ASSIGN_OR_RETURN(a.k_, load("k_proj"));
  GEMMA_ASSIGN_OR_RETURN(a.v_, load("v_proj"));
  GEMMA_ASSIGN_OR_RETURN(a.post_, load("post"));

  GEMMA_ASSIGN_OR_RETURN(
      std::vector<float> pds,
      ReadFloats(store, prefix + "per_dim_scale", {a.head_dim_}));
  const float r_softplus_0 = 1.0f / Softplus(0.0f);
  const float base =
      std::pow(static_cast<float>(a.head_dim_), -0.5f) * r_softplus_0;
  a.q_scale_.resize(a.head_dim_);
  for (int j = 0; j < a.head_dim_; ++j) a.q_scale_[j] = base * Softplus(pds[j]);
  a.k_scale_ = Softplus(1.0f) * r_softplus_0;

  // R(δ) = relative_k_proj · [sin(δ·ι_i) …, cos(δ·ι_i) …].
  GEMMA_ASSIGN_OR_RETURN(
      std::vector<float> w,
      ReadFloats(store, prefix + "relative_k_proj.weight", {d, d}));
  const int half = d / 2;
  const float log_inc =
      std::log(10000.0f) / static_cast<float>(std::max(half - 1, 1));
  std::vector<float> timing(d);
  a.rel_.assign(static_cast<size_t>(a.window_ + 1) * d, 0.0f);
  for (int delta = 0; delta <= a.window_; ++delta) {
    for (int i = 0; i < half; ++i) {
      const float angle = static_cast<float>(delta) *
                          std::exp(-static_cast<float>(i) * log_inc);
      timing[i] = std::sin(angle);
      timing[half + i] = std::cos(angle);
    }
    float* r = a.rel_.data() + static_cast<size_t>(delta) * d;
    for (int o = 0; o < d; ++o) {
      double acc = 0;
      const float* wr = w.data() + static_cast<size_t>(o) * d;
      for (int i = 0; i < d; ++i) acc += double{wr[i]} * timing[i];
      r[o] = static_cast<float>(acc);
    }
  }
  return a;
}

absl::Status ConformerAttention::Run(ops::MatmulRunner* runner, const float* x,
                                     int steps, const int32_t* mask,
                                     float* out) const {
  const int hd = head_dim_, nh = num_heads_, d = nh * hd;
  const size_t n = static_cast<size_t>(steps) * d;
  std::vector<float> clip, q(n), k(n), v(n), o(n, 0.0f);
  GEMMA_RETURN_IF_ERROR(q_.Run(runner, x, steps, q.data(), &clip));
  GEMMA_RETURN_IF_ERROR(k_.Run(runner, x, steps, k.data(), &clip));
  GEMMA_RETURN_IF_ERROR(v_.Run(runner, x, steps, v.data(), &clip));
  for (size_t i = 0; i < n; ++i) {
    q[i] *= q_scale_[i % hd];
    k[i] *= k_scale_;
  }
  std::vector<float> p(window_ + 1);
  for (int t = 0; t < steps; ++t) {
    const int lo = std::max(0, t - window_);
    for (int h = 0; h < nh; ++h) {
      const float* qt = q.data() + static_cast<size_t>(t) * d + h * hd;
      float mx = -INFINITY;
      bool any = false;
      for (int s = lo; s <= t; ++s) {
        float& logit = p[t - s];
        if (mask[s] == 0) continue;
        const float* ks = k.data() + static_cast<size_t>(s) * d + h * hd;
        const float* rs = rel_.data() + static_cast<size_t>(t - s) * d + h * hd;
        float dot = 0;
        for (int j = 0; j < hd; ++j) dot += qt[j] * (ks[j] + rs[j]);
        logit = logit_cap_ * std::tanh(dot / logit_cap_);
        mx = std::max(mx, logit);
        any = true;
      }
      if (!any) continue;  // No valid key (a padding step): zeros.
      float sum = 0;
      for (int s = lo; s <= t; ++s) {
        if (mask[s] == 0) continue;
        p[t - s] = std::exp(p[t - s] - mx);
        sum += p[t - s];
      }
      float* ot = o.data() + static_cast<size_t>(t) * d + h * hd;
      for (int s = lo; s <= t; ++s) {
        if (mask[s] == 0) continue;
        const float w = p[t - s] / sum;
        const float* vs = v.data() + static_cast<size_t>(s) * d + h * hd;
        for (int j = 0; j < hd; ++j) ot[j] += w * vs[j];
      }
    }
  }
  return post_.Run(runner, o.data(), steps, out, &clip);
}

}  // namespace gemma::model
