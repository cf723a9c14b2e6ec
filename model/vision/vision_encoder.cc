#include "model/vision/vision_encoder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "model/ops/activations.h"
#include "model/ops/attention.h"
#include "model/ops/rms_norm.h"
#include "model/ops/rope.h"
#include "model/vision/tensor_floats.h"

namespace gemma::model {

namespace {
constexpr char kTower[] = "model.vision_tower.";
constexpr char kProjection[] = "model.embed_vision.embedding_projection.weight";
}  // namespace

struct VisionEncoder::Layer {
  std::vector<float> input_norm, post_attn_norm, pre_ffw_norm, post_ffw_norm;
  std::vector<float> q_norm, k_norm;
  ClippedLinear q, k, v, o, gate, up, down;
};

// The real patches of one image and their place in its grid.
struct VisionEncoder::Grid {
  std::vector<int> rows;  // Input row of each real patch, in input order.
  std::vector<int> x, y;  // Its position.
  int n_w = 0, n_h = 0;
  int num_bins = 0, num_soft = 0;
  ops::RopeTable rope_x, rope_y;  // Over the real patches.
};

VisionEncoder::~VisionEncoder() = default;

absl::StatusOr<std::unique_ptr<VisionEncoder>> VisionEncoder::Create(
    const VisionConfig& config, int text_hidden_dim, const WeightStore& weights,
    const TowerOptions& options) {
  const VisionConfig& c = config;
  if (c.hidden_dim <= 0 || c.intermediate_dim <= 0 || c.num_layers <= 0 ||
      c.num_heads <= 0 || c.num_kv_heads <= 0 ||
      c.num_heads % c.num_kv_heads != 0 || c.head_dim <= 0 ||
      c.head_dim % 4 != 0 || c.patch_size <= 0 || c.pooling_kernel <= 0 ||
      c.position_embedding_size <= 0 || text_hidden_dim <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "vision config: sizes must be positive, query heads a multiple of "
        "KV heads and head_dim a multiple of 4 (2-D RoPE), got hidden ",
        c.hidden_dim, ", heads ", c.num_heads, "/", c.num_kv_heads,
        ", head_dim ", c.head_dim, ", text hidden ", text_hidden_dim));
  }
  std::unique_ptr<VisionEncoder> e(new VisionEncoder());
  e->config_ = config;
  e->text_dim_ = text_hidden_dim;
  e->engine_ = dnnl::engine(dnnl::engine::kind::cpu, 0);
  const std::string tower = kTower;
  const int dv = c.hidden_dim, hd = c.head_dim;
  const int nq = c.num_heads * hd, nkv = c.num_kv_heads * hd;

  GEMMA_ASSIGN_OR_RETURN(
      e->input_proj_,
      PackLinear(e->engine_, weights,
                 tower + "patch_embedder.input_proj.weight", dv,
                 3 * c.patch_size * c.patch_size, options.format));
  const std::string table = tower + "patch_embedder.position_embedding_table";
  GEMMA_ASSIGN_OR_RETURN(
      e->position_table_,
      weights.Get(table, {2, c.position_embedding_size, dv}));
  if (e->position_table_.dtype != DType::kF32 &&
      e->position_table_.dtype != DType::kBF16) {
    return absl::InvalidArgumentError(
        absl::StrCat(weights.SourceOf(table), ": tensor ", table,
                     " must be float32 or bfloat16, is ",
                     DTypeName(e->position_table_.dtype)));
  }

  for (int i = 0; i < c.num_layers; ++i) {
    const std::string p = absl::StrCat(tower, "encoder.layers.", i, ".");
    Layer l;
    GEMMA_ASSIGN_OR_RETURN(
        l.input_norm, ReadFloats(weights, p + "input_layernorm.weight", {dv}));
    GEMMA_ASSIGN_OR_RETURN(
        l.post_attn_norm,
        ReadFloats(weights, p + "post_attention_layernorm.weight", {dv}));
    GEMMA_ASSIGN_OR_RETURN(
        l.pre_ffw_norm,
        ReadFloats(weights, p + "pre_feedforward_layernorm.weight", {dv}));
    GEMMA_ASSIGN_OR_RETURN(
        l.post_ffw_norm,
        ReadFloats(weights, p + "post_feedforward_layernorm.weight", {dv}));
    GEMMA_ASSIGN_OR_RETURN(
        l.q_norm, ReadFloats(weights, p + "self_attn.q_norm.weight", {hd}));
    GEMMA_ASSIGN_OR_RETURN(
        l.k_norm, ReadFloats(weights, p + "self_attn.k_norm.weight", {hd}));
    auto load = [&](const std::string& name, int out,
                    int in) -> absl::StatusOr<ClippedLinear> {
      return ClippedLinear::Load(
          e->engine_, weights, p + name + ".linear.weight", out, in,
          c.use_clipped_linears ? p + name : "", options.format);
    };
    GEMMA_ASSIGN_OR_RETURN(l.q, load("self_attn.q_proj", nq, dv));
    GEMMA_ASSIGN_OR_RETURN(l.k, load("self_attn.k_proj", nkv, dv));
    GEMMA_ASSIGN_OR_RETURN(l.v, load("self_attn.v_proj", nkv, dv));
    GEMMA_ASSIGN_OR_RETURN(l.o, load("self_attn.o_proj", dv, nq));
    GEMMA_ASSIGN_OR_RETURN(l.gate,
                           load("mlp.gate_proj", c.intermediate_dim, dv));
    GEMMA_ASSIGN_OR_RETURN(l.up, load("mlp.up_proj", c.intermediate_dim, dv));
    GEMMA_ASSIGN_OR_RETURN(l.down,
                           load("mlp.down_proj", dv, c.intermediate_dim));
    e->layers_.push_back(std::move(l));
  }
  if (c.standardize) {
    GEMMA_ASSIGN_OR_RETURN(e->std_bias_,
                           ReadFloats(weights, tower + "std_bias", {dv}));
    GEMMA_ASSIGN_OR_RETURN(e->std_scale_,
                           ReadFloats(weights, tower + "std_scale", {dv}));
  }
  GEMMA_ASSIGN_OR_RETURN(e->projection_,
                         PackLinear(e->engine_, weights, kProjection,
                                    text_hidden_dim, dv, options.format));
  e->runner_ = std::make_unique<ops::MatmulRunner>(e->engine_);
  return e;
}

absl::StatusOr<VisionEncoder::Grid> VisionEncoder::CheckInputs(
    absl::Span<const float> pixel_values,
    absl::Span<const int32_t> position_ids, int num_real_patches) const {
  const int k = config_.pooling_kernel;
  const int64_t rows = static_cast<int64_t>(position_ids.size()) / 2;
  if (position_ids.size() % 2 != 0 || rows == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("image position ids must be [rows, 2] with rows > 0, got ",
                     position_ids.size(), " values"));
  }
  if (static_cast<int64_t>(pixel_values.size()) != rows * patch_dim()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "image pixel values must be [", rows, ", ", patch_dim(),
        "] to match the position ids, got ", pixel_values.size(), " values"));
  }
  if (rows % (k * k) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "image rows (", rows, ") must be a multiple of the pooling kernel's ",
        k * k, " patches"));
  }
  if (num_real_patches <= 0 || num_real_patches > rows) {
    return absl::InvalidArgumentError(absl::StrCat(
        "image has ", num_real_patches, " real patches; expected 1..", rows));
  }
  Grid g;
  g.num_bins = static_cast<int>(rows / (k * k));
  const int limit = config_.position_embedding_size;
  for (int r = 0; r < rows; ++r) {
    const int32_t x = position_ids[2 * r], y = position_ids[2 * r + 1];
    if (x == -1 && y == -1) continue;  // Padding.
    if (x < 0 || y < 0 || x >= limit || y >= limit) {
      return absl::InvalidArgumentError(absl::StrCat(
          "image patch ", r, " has position (", x, ", ", y,
          "); positions must be in [0, ", limit, ") or (-1, -1) for padding"));
    }
    g.rows.push_back(r);
    g.x.push_back(x);
    g.y.push_back(y);
    g.n_w = std::max(g.n_w, x + 1);
    g.n_h = std::max(g.n_h, y + 1);
  }
  const int n = static_cast<int>(g.rows.size());
  if (n != num_real_patches) {
    return absl::InvalidArgumentError(
        absl::StrCat("image says ", num_real_patches,
                     " real patches but its position ids have ", n));
  }
  if (g.n_w % k != 0 || g.n_h % k != 0 ||
      static_cast<int64_t>(g.n_w) * g.n_h != n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "image patches must form a full grid with sides that are multiples of ",
        k, ", got ", n, " patches spanning ", g.n_h, "x", g.n_w));
  }
  std::vector<bool> seen(n, false);
  for (int i = 0; i < n; ++i) {
    const int cell = g.y[i] * g.n_w + g.x[i];
    if (seen[cell]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "image has two patches at position (", g.x[i], ", ", g.y[i], ")"));
    }
    seen[cell] = true;
  }
  g.num_soft = n / (k * k);
  if (g.num_soft > g.num_bins) {
    return absl::InvalidArgumentError(
        absl::StrCat("image grid needs ", g.num_soft, " bins but ", rows,
                     " rows give only ", g.num_bins));
  }
  const int half = config_.head_dim / 2;
  const ops::RopeParams rope{half, half, config_.rope_base, 1.0f};
  g.rope_x.Compute(rope, g.x.data(), n);
  g.rope_y.Compute(rope, g.y.data(), n);
  return g;
}

absl::Status VisionEncoder::Embed(absl::Span<const float> pixel_values,
                                  const Grid& grid, float* h,
                                  ops::MatmulRunner* runner) const {
  const int n = static_cast<int>(grid.rows.size());
  const int pd = patch_dim(), dv = config_.hidden_dim;
  std::vector<float> x(static_cast<size_t>(n) * pd);
  for (int i = 0; i < n; ++i) {
    const float* src =
        pixel_values.data() + static_cast<size_t>(grid.rows[i]) * pd;
    float* dst = x.data() + static_cast<size_t>(i) * pd;
    for (int j = 0; j < pd; ++j) dst[j] = 2.0f * (src[j] - 0.5f);
  }
  GEMMA_RETURN_IF_ERROR(runner->Run(*input_proj_, x.data(), n, h));
  const int64_t table_rows = config_.position_embedding_size;
  for (int i = 0; i < n; ++i) {
    const int64_t ox = static_cast<int64_t>(grid.x[i]) * dv;
    const int64_t oy = (table_rows + grid.y[i]) * dv;
    float* hr = h + static_cast<size_t>(i) * dv;
    for (int j = 0; j < dv; ++j) {
      hr[j] += TensorFloatAt(position_table_, ox + j) +
               TensorFloatAt(position_table_, oy + j);
    }
  }
  return absl::OkStatus();
}

absl::Status VisionEncoder::RunLayer(const Layer& l, const Grid& grid, float* h,
                                     ops::MatmulRunner* runner) const {
  const VisionConfig& c = config_;
  const int n = static_cast<int>(grid.rows.size());
  const int dv = c.hidden_dim, hd = c.head_dim, half = hd / 2;
  const int nq = c.num_heads, nkv = c.num_kv_heads;
  const float eps = c.rms_norm_eps;
  const size_t rows = static_cast<size_t>(n);
  std::vector<float> clip, a(rows * dv), q(rows * nq * hd), k(rows * nkv * hd),
      v(rows * nkv * hd), o(rows * nq * hd), t(rows * dv);

  ops::RmsNorm(h, n, dv, l.input_norm.data(), eps, a.data());
  GEMMA_RETURN_IF_ERROR(l.q.Run(runner, a.data(), n, q.data(), &clip));
  GEMMA_RETURN_IF_ERROR(l.k.Run(runner, a.data(), n, k.data(), &clip));
  GEMMA_RETURN_IF_ERROR(l.v.Run(runner, a.data(), n, v.data(), &clip));
  ops::RmsNorm(q.data(), n * nq, hd, l.q_norm.data(), eps, q.data());
  ops::RmsNorm(k.data(), n * nkv, hd, l.k_norm.data(), eps, k.data());
  ops::RmsNorm(v.data(), n * nkv, hd, nullptr, eps, v.data());
  // 2-D RoPE: the first half of each head turns with x, the second with y.
  for (int i = 0; i < n; ++i) {
    for (int head = 0; head < nq; ++head) {
      float* qh = q.data() + (static_cast<size_t>(i) * nq + head) * hd;
      grid.rope_x.Apply(qh, i, 1);
      grid.rope_y.Apply(qh + half, i, 1);
    }
    for (int head = 0; head < nkv; ++head) {
      float* kh = k.data() + (static_cast<size_t>(i) * nkv + head) * hd;
      grid.rope_x.Apply(kh, i, 1);
      grid.rope_y.Apply(kh + half, i, 1);
    }
  }
  const std::pair<int, int> all[] = {{0, n}};
  ops::AttentionMask mask;
  mask.blocks = all;
  std::vector<float> scores;
  ops::Attention(q.data(), n, 0, k.data(), v.data(), n, 0, {nq, nkv, hd}, mask,
                 std::nullopt, o.data(), &scores);
  GEMMA_RETURN_IF_ERROR(l.o.Run(runner, o.data(), n, t.data(), &clip));
  ops::RmsNorm(t.data(), n, dv, l.post_attn_norm.data(), eps, t.data());
  for (size_t i = 0; i < rows * dv; ++i) h[i] += t[i];

  const int ff = c.intermediate_dim;
  std::vector<float> gate(rows * ff), up(rows * ff);
  ops::RmsNorm(h, n, dv, l.pre_ffw_norm.data(), eps, a.data());
  GEMMA_RETURN_IF_ERROR(l.gate.Run(runner, a.data(), n, gate.data(), &clip));
  GEMMA_RETURN_IF_ERROR(l.up.Run(runner, a.data(), n, up.data(), &clip));
  ops::GeluTanh(gate.data(), gate.size());
  for (size_t i = 0; i < gate.size(); ++i) gate[i] *= up[i];
  GEMMA_RETURN_IF_ERROR(l.down.Run(runner, gate.data(), n, t.data(), &clip));
  ops::RmsNorm(t.data(), n, dv, l.post_ffw_norm.data(), eps, t.data());
  for (size_t i = 0; i < rows * dv; ++i) h[i] += t[i];
  return absl::OkStatus();
}

absl::StatusOr<VisionEncoding> VisionEncoder::Encode(
    absl::Span<const float> pixel_values,
    absl::Span<const int32_t> position_ids, int num_real_patches,
    const VisionEncodeOptions& options) const {
  GEMMA_ASSIGN_OR_RETURN(
      Grid grid, CheckInputs(pixel_values, position_ids, num_real_patches));
  const int n = static_cast<int>(grid.rows.size());
  const int dv = config_.hidden_dim, k = config_.pooling_kernel;
  std::lock_guard<std::mutex> lock(mu_);
  ops::MatmulRunner* runner = runner_.get();

  std::vector<float> h(static_cast<size_t>(n) * dv);
  GEMMA_RETURN_IF_ERROR(Embed(pixel_values, grid, h.data(), runner));
  for (const Layer& l : layers_) {
    GEMMA_RETURN_IF_ERROR(RunLayer(l, grid, h.data(), runner));
  }

  VisionEncoding out;
  out.num_soft_tokens = grid.num_soft;
  out.num_bins = grid.num_bins;
  out.grid_rows = grid.n_h;
  out.grid_cols = grid.n_w;
  if (options.keep_intermediates) {
    out.patch_states.assign(position_ids.size() / 2 * dv, 0.0f);
    for (int i = 0; i < n; ++i) {
      std::memcpy(
          out.patch_states.data() + static_cast<size_t>(grid.rows[i]) * dv,
          h.data() + static_cast<size_t>(i) * dv, sizeof(float) * dv);
    }
  }

  // k×k average pooling over the grid, ×√d_v.
  std::vector<float> pooled(static_cast<size_t>(grid.num_bins) * dv, 0.0f);
  const int bins_per_row = grid.n_w / k;
  for (int i = 0; i < n; ++i) {
    const int bin = grid.x[i] / k + bins_per_row * (grid.y[i] / k);
    float* dst = pooled.data() + static_cast<size_t>(bin) * dv;
    const float* src = h.data() + static_cast<size_t>(i) * dv;
    for (int j = 0; j < dv; ++j) dst[j] += src[j];
  }
  const float inv_area = 1.0f / static_cast<float>(k * k);
  const float root = std::sqrt(static_cast<float>(dv));
  for (float& p : pooled) p = p * inv_area * root;
  if (options.keep_intermediates) out.pooled = pooled;

  const int m = options.include_empty_bins ? grid.num_bins : grid.num_soft;
  if (!std_bias_.empty()) {
    for (int b = 0; b < m; ++b) {
      float* r = pooled.data() + static_cast<size_t>(b) * dv;
      for (int j = 0; j < dv; ++j) r[j] = (r[j] - std_bias_[j]) * std_scale_[j];
    }
  }
  ops::RmsNorm(pooled.data(), m, dv, nullptr, config_.rms_norm_eps,
               pooled.data());
  out.soft_tokens.resize(static_cast<size_t>(m) * text_dim_);
  GEMMA_RETURN_IF_ERROR(
      runner->Run(*projection_, pooled.data(), m, out.soft_tokens.data()));
  return out;
}

}  // namespace gemma::model
