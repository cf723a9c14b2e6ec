#include "model/audio/audio_encoder.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "model/audio/conformer_attention.h"
#include "model/ops/rms_norm.h"
#include "model/vision/clipped_linear.h"
#include "model/vision/tensor_floats.h"

namespace gemma::model {
namespace {

constexpr char kTower[] = "model.audio_tower.";
constexpr char kProjection[] = "model.embed_audio.embedding_projection.weight";

float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

void Clip(float* x, size_t n, float limit) {
  for (size_t i = 0; i < n; ++i) x[i] = std::clamp(x[i], -limit, limit);
}

}  // namespace

struct AudioEncoder::Layer {
  struct FeedForward {
    std::vector<float> pre_norm, post_norm;
    ClippedLinear up, down;  // ffw_layer_1, ffw_layer_2.
  };
  FeedForward ffw[2];
  std::vector<float> norm_pre_attn, norm_post_attn;
  ConformerAttention attn;
  std::vector<float> lconv_pre_norm, conv_norm;
  std::vector<float> depthwise;  // [d_a, kernel].
  ClippedLinear linear_start, linear_end;
  std::vector<float> norm_out;
};

AudioEncoder::~AudioEncoder() = default;

int AudioEncoder::NumSoftTokens(absl::Span<const int32_t> mask) {
  int n = 0;
  for (size_t i = 0; i < mask.size(); i += 4) n += mask[i] != 0;
  return n;
}

absl::StatusOr<std::unique_ptr<AudioEncoder>> AudioEncoder::Create(
    const AudioConfig& config, int text_hidden_dim, const WeightStore& weights,
    const TowerOptions& options) {
  const AudioConfig& c = config;
  if (c.hidden_dim <= 0 || c.num_heads <= 0 || c.hidden_dim % c.num_heads ||
      c.num_layers <= 0 || c.conv_kernel_size <= 0 || c.input_feat_size <= 0 ||
      c.output_proj_dims <= 0 || c.logit_cap <= 0 || text_hidden_dim <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "audio config: sizes and the logit cap must be positive and heads "
        "must divide the hidden size, got hidden ",
        c.hidden_dim, ", heads ", c.num_heads, ", text hidden ",
        text_hidden_dim));
  }
  std::unique_ptr<AudioEncoder> e(new AudioEncoder());
  e->config_ = config;
  e->text_dim_ = text_hidden_dim;
  e->engine_ = dnnl::engine(dnnl::engine::kind::cpu, 0);
  GEMMA_ASSIGN_OR_RETURN(e->sscp_, SubsampleConvProjection::Load(
                                       e->engine_, weights, c, options.format));
  const int d = c.hidden_dim, ff = 4 * c.hidden_dim;
  const std::string tower = kTower;
  for (int i = 0; i < c.num_layers; ++i) {
    const std::string p = absl::StrCat(tower, "layers.", i, ".");
    auto load = [&](const std::string& name, int out,
                    int in) -> absl::StatusOr<ClippedLinear> {
      return ClippedLinear::Load(
          e->engine_, weights, p + name + ".linear.weight", out, in,
          c.use_clipped_linears ? p + name : "", options.format);
    };
    Layer l;
    for (int f = 0; f < 2; ++f) {
      const std::string fp = absl::StrCat("feed_forward", f + 1, ".");
      Layer::FeedForward& w = l.ffw[f];
      GEMMA_ASSIGN_OR_RETURN(
          w.pre_norm,
          ReadFloats(weights, p + fp + "pre_layer_norm.weight", {d}));
      GEMMA_ASSIGN_OR_RETURN(
          w.post_norm,
          ReadFloats(weights, p + fp + "post_layer_norm.weight", {d}));
      GEMMA_ASSIGN_OR_RETURN(w.up, load(fp + "ffw_layer_1", ff, d));
      GEMMA_ASSIGN_OR_RETURN(w.down, load(fp + "ffw_layer_2", d, ff));
    }
    GEMMA_ASSIGN_OR_RETURN(
        l.norm_pre_attn, ReadFloats(weights, p + "norm_pre_attn.weight", {d}));
    GEMMA_ASSIGN_OR_RETURN(
        l.norm_post_attn,
        ReadFloats(weights, p + "norm_post_attn.weight", {d}));
    GEMMA_ASSIGN_OR_RETURN(
        l.attn, ConformerAttention::Load(e->engine_, weights, c,
                                         p + "self_attn.", options.format));
    GEMMA_ASSIGN_OR_RETURN(
        l.lconv_pre_norm,
        ReadFloats(weights, p + "lconv1d.pre_layer_norm.weight", {d}));
    GEMMA_ASSIGN_OR_RETURN(
        l.conv_norm, ReadFloats(weights, p + "lconv1d.conv_norm.weight", {d}));
    GEMMA_ASSIGN_OR_RETURN(
        l.depthwise, ReadFloats(weights, p + "lconv1d.depthwise_conv1d.weight",
                                {d, 1, c.conv_kernel_size}));
    GEMMA_ASSIGN_OR_RETURN(l.linear_start,
                           load("lconv1d.linear_start", 2 * d, d));
    GEMMA_ASSIGN_OR_RETURN(l.linear_end, load("lconv1d.linear_end", d, d));
    GEMMA_ASSIGN_OR_RETURN(l.norm_out,
                           ReadFloats(weights, p + "norm_out.weight", {d}));
    e->layers_.push_back(std::move(l));
  }
  GEMMA_ASSIGN_OR_RETURN(
      e->output_proj_,
      PackLinear(e->engine_, weights, tower + "output_proj.weight",
                 c.output_proj_dims, d, options.format));
  GEMMA_ASSIGN_OR_RETURN(
      e->output_bias_,
      ReadFloats(weights, tower + "output_proj.bias", {c.output_proj_dims}));
  GEMMA_ASSIGN_OR_RETURN(
      e->projection_,
      PackLinear(e->engine_, weights, kProjection, text_hidden_dim,
                 c.output_proj_dims, options.format));
  e->runner_ = std::make_unique<ops::MatmulRunner>(e->engine_);
  return e;
}

// h += residual_weight · RMSNorm(clip(W₂·silu(W₁·RMSNorm(clip(h))))).
absl::Status AudioEncoder::FeedForward(const Layer& layer, int which,
                                       ops::MatmulRunner* runner, float* h,
                                       int steps) const {
  const Layer::FeedForward& w = layer.ffw[which];
  const int d = config_.hidden_dim;
  const float eps = config_.rms_norm_eps, gc = config_.gradient_clipping;
  const size_t n = static_cast<size_t>(steps) * d;
  std::vector<float> clip, z(h, h + n), up(n * 4);
  Clip(z.data(), n, gc);
  ops::RmsNorm(z.data(), steps, d, w.pre_norm.data(), eps, z.data());
  GEMMA_RETURN_IF_ERROR(w.up.Run(runner, z.data(), steps, up.data(), &clip));
  for (float& u : up) u = u * Sigmoid(u);
  GEMMA_RETURN_IF_ERROR(w.down.Run(runner, up.data(), steps, z.data(), &clip));
  Clip(z.data(), n, gc);
  ops::RmsNorm(z.data(), steps, d, w.post_norm.data(), eps, z.data());
  for (size_t i = 0; i < n; ++i) h[i] += config_.residual_weight * z[i];
  return absl::OkStatus();
}

// h += W_end·silu(RMSNorm(clip(causal depthwise conv(GLU(W_start·
// RMSNorm(h)))))).
absl::Status AudioEncoder::LightConv(const Layer& l, ops::MatmulRunner* runner,
                                     float* h, int steps,
                                     const int32_t* mask) const {
  const int d = config_.hidden_dim, kernel = config_.conv_kernel_size;
  const float eps = config_.rms_norm_eps;
  const size_t n = static_cast<size_t>(steps) * d;
  std::vector<float> clip, z(n), wide(2 * n), y(n, 0.0f);
  ops::RmsNorm(h, steps, d, l.lconv_pre_norm.data(), eps, z.data());
  GEMMA_RETURN_IF_ERROR(
      l.linear_start.Run(runner, z.data(), steps, wide.data(), &clip));
  for (int t = 0; t < steps; ++t) {
    const float* w = wide.data() + static_cast<size_t>(t) * 2 * d;
    float* zt = z.data() + static_cast<size_t>(t) * d;
    // Invalid steps are zeroed as keras-hub does (they only ever feed later,
    // equally invalid, steps of a prefix mask).
    for (int c = 0; c < d; ++c) zt[c] = mask[t] ? w[c] * Sigmoid(w[d + c]) : 0;
  }
  for (int t = 0; t < steps; ++t) {
    float* yt = y.data() + static_cast<size_t>(t) * d;
    for (int j = 0; j < kernel; ++j) {
      const int s = t - (kernel - 1) + j;
      if (s < 0) continue;
      const float* zs = z.data() + static_cast<size_t>(s) * d;
      for (int c = 0; c < d; ++c) yt[c] += l.depthwise[c * kernel + j] * zs[c];
    }
  }
  Clip(y.data(), n, config_.gradient_clipping);
  ops::RmsNorm(y.data(), steps, d, l.conv_norm.data(), eps, y.data());
  for (float& v : y) v = v * Sigmoid(v);
  GEMMA_RETURN_IF_ERROR(
      l.linear_end.Run(runner, y.data(), steps, z.data(), &clip));
  for (size_t i = 0; i < n; ++i) h[i] += z[i];
  return absl::OkStatus();
}

absl::Status AudioEncoder::RunLayer(const Layer& l, ops::MatmulRunner* runner,
                                    float* h, int steps,
                                    const int32_t* mask) const {
  const int d = config_.hidden_dim;
  const float eps = config_.rms_norm_eps, gc = config_.gradient_clipping;
  const size_t n = static_cast<size_t>(steps) * d;
  GEMMA_RETURN_IF_ERROR(FeedForward(l, 0, runner, h, steps));

  std::vector<float> a(h, h + n), o(n);
  Clip(a.data(), n, gc);
  ops::RmsNorm(a.data(), steps, d, l.norm_pre_attn.data(), eps, a.data());
  GEMMA_RETURN_IF_ERROR(l.attn.Run(runner, a.data(), steps, mask, o.data()));
  Clip(o.data(), n, gc);
  ops::RmsNorm(o.data(), steps, d, l.norm_post_attn.data(), eps, o.data());
  for (size_t i = 0; i < n; ++i) h[i] += o[i];

  GEMMA_RETURN_IF_ERROR(LightConv(l, runner, h, steps, mask));
  GEMMA_RETURN_IF_ERROR(FeedForward(l, 1, runner, h, steps));
  Clip(h, n, gc);
  ops::RmsNorm(h, steps, d, l.norm_out.data(), eps, h);
  return absl::OkStatus();
}

absl::StatusOr<AudioEncoding> AudioEncoder::Encode(
    absl::Span<const float> features, absl::Span<const int32_t> mask,
    const AudioEncodeOptions& options) const {
  const int mels = config_.input_feat_size;
  const size_t frames = mask.size();
  if (frames == 0 || features.size() != frames * mels) {
    return absl::InvalidArgumentError(absl::StrCat(
        "audio features must be [frames, ", mels,
        "] with frames > 0 and one "
        "mask value per frame; got ",
        features.size(), " feature values and ", frames, " mask values"));
  }
  if (frames > (1u << 24)) {
    return absl::InvalidArgumentError(
        absl::StrCat("audio clip has too many frames (", frames, ")"));
  }
  std::lock_guard<std::mutex> lock(mu_);
  ops::MatmulRunner* runner = runner_.get();

  AudioEncoding out;
  std::vector<float> h;
  GEMMA_RETURN_IF_ERROR(sscp_.Run(runner, features.data(),
                                  static_cast<int>(frames), mask.data(), &h,
                                  &out.step_mask));
  const int steps = static_cast<int>(out.step_mask.size());
  out.num_steps = steps;
  if (options.keep_intermediates) out.sscp_output = h;
  for (const Layer& l : layers_) {
    GEMMA_RETURN_IF_ERROR(
        RunLayer(l, runner, h.data(), steps, out.step_mask.data()));
  }

  const int p = config_.output_proj_dims;
  std::vector<float> proj(static_cast<size_t>(steps) * p);
  GEMMA_RETURN_IF_ERROR(
      runner->Run(*output_proj_, h.data(), steps, proj.data()));
  // Keep the valid steps (all of them with keep_intermediates).
  std::vector<int> rows;
  for (int t = 0; t < steps; ++t) {
    if (options.keep_intermediates || out.step_mask[t]) rows.push_back(t);
  }
  const int m = static_cast<int>(rows.size());
  std::vector<float> sel(static_cast<size_t>(m) * p);
  for (int i = 0; i < m; ++i) {
    const float* src = proj.data() + static_cast<size_t>(rows[i]) * p;
    float* dst = sel.data() + static_cast<size_t>(i) * p;
    for (int j = 0; j < p; ++j) dst[j] = src[j] + output_bias_[j];
  }
  ops::RmsNorm(sel.data(), m, p, nullptr, config_.rms_norm_eps, sel.data());
  std::vector<float> tokens(static_cast<size_t>(m) * text_dim_);
  GEMMA_RETURN_IF_ERROR(
      runner->Run(*projection_, sel.data(), m, tokens.data()));

  for (int t = 0; t < steps; ++t) out.num_tokens += out.step_mask[t] != 0;
  if (options.keep_intermediates) {
    out.soft_tokens.reserve(static_cast<size_t>(out.num_tokens) * text_dim_);
    for (int t = 0; t < steps; ++t) {
      if (!out.step_mask[t]) continue;
      const float* r = tokens.data() + static_cast<size_t>(t) * text_dim_;
      out.soft_tokens.insert(out.soft_tokens.end(), r, r + text_dim_);
    }
    out.all_steps = std::move(tokens);
  } else {
    out.soft_tokens = std::move(tokens);
  }
  return out;
}

}  // namespace gemma::model
