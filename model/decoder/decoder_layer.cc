// Gemma4Model's decoder block (spec §2.4–§2.8): attention with its paged
// K/V, the dense MLP or dense + MoE feed-forward, the PLE gate and the
// layer scalar.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/status_macros.h"
#include "model/decoder/gemma4_model.h"
#include "model/decoder/layer.h"
#include "model/ops/attention.h"
#include "model/ops/moe_routing.h"
#include "model/ops/rms_norm.h"

namespace gemma::model {
namespace {

// x += RMSNorm(v; w) over rows of width H.
void AddNormed(float* x, float* v, int rows, int H, const float* w, float eps) {
  ops::RmsNorm(v, rows, H, w, eps, v);
  for (size_t i = 0; i < static_cast<size_t>(rows) * H; ++i) x[i] += v[i];
}

}  // namespace

absl::Status Gemma4Model::Mlp(ForwardState* st, const ops::PackedWeight& gate,
                              const ops::PackedWeight& up,
                              const ops::PackedWeight& down, const float* in,
                              int rows, float* out) const {
  const size_t n = static_cast<size_t>(rows) * gate.out_dim();
  float* g = ForwardState::Grow(&st->gate, n);
  float* u = ForwardState::Grow(&st->up, n);
  GEMMA_RETURN_IF_ERROR(st->runner.Run(gate, in, rows, g));  // gelu(z·Wg)
  GEMMA_RETURN_IF_ERROR(
      st->runner.RunSameInput(up, in, rows, u, g));  // (z·Wu)⊙g
  return st->runner.Run(down, u, rows, out);
}

absl::Status Gemma4Model::Attend(int index, ForwardState* st, KvCache* kv,
                                 absl::Span<const ForwardEntry> batch,
                                 int rows) const {
  const TextConfig& c = config_.text;
  const Layer& y = *layers_[index];
  const LayerSpec& s = y.spec;
  const int d = s.head_dim, nq = c.num_query_heads, nkv = s.num_kv_heads;
  const float eps = c.rms_norm_eps;
  const bool global = s.type == LayerType::kGlobal;
  const ops::RopeTable& rope = global ? st->rope_global : st->rope_local;
  const int slot = kv->slot_of_layer(index);
  const bool windowed = kv->slot_kind(slot) == KvKind::kWindowed;
  const int bs = kv->block_size();
  // The entry's table of this slot's kind.
  auto table = [windowed](const ForwardEntry& en) {
    return windowed && !en.sliding_blocks.empty() ? en.sliding_blocks
                                                  : en.blocks;
  };
  const int qkv_w = y.qkv->out_dim();
  float* qkv = ForwardState::Grow(&st->qkv, static_cast<size_t>(rows) * qkv_w);
  float* q = ForwardState::Grow(&st->q, static_cast<size_t>(rows) * y.q_width);
  float* o =
      ForwardState::Grow(&st->attn, static_cast<size_t>(rows) * y.q_width);
  GEMMA_RETURN_IF_ERROR(st->runner.Run(*y.qkv, st->h.data(), rows, qkv));

  // Queries: per-head norm, RoPE. Own K/V: v-norm (of the raw K on K=V
  // layers), k-norm and RoPE, written straight into the cache.
  int r = 0;
  for (const ForwardEntry& en : batch) {
    for (size_t t = 0; t < en.tokens.size(); ++t, ++r) {
      const float* row = qkv + static_cast<size_t>(r) * qkv_w;
      float* qr = q + static_cast<size_t>(r) * y.q_width;
      ops::RmsNorm(row, nq, d, y.q_norm.data(), eps, qr);
      rope.Apply(qr, r, nq);
      if (!y.owns_kv) continue;
      const int pos = en.start_pos + static_cast<int>(t);
      const int block = table(en)[pos / bs], in_block = pos % bs;
      const float* k_raw = row + y.q_width;
      const float* v_raw = s.k_eq_v ? k_raw : k_raw + y.kv_width;
      ops::RmsNorm(v_raw, nkv, d, nullptr, eps, kv->V(slot, block, in_block));
      float* k_out = kv->K(slot, block, in_block);
      ops::RmsNorm(k_raw, nkv, d, y.k_norm.data(), eps, k_out);
      rope.Apply(k_out, r, nkv);
    }
  }

  // Attention per entry, reading its K/V in place from its own blocks.
  const ops::AttentionShape shape{nq, nkv, d};
  const int window = (!global && c.use_sliding_window) ? c.sliding_window : 0;
  r = 0;
  for (const ForwardEntry& en : batch) {
    const int T = static_cast<int>(en.tokens.size());
    const int start = en.start_pos, end = start + T;
    ops::AttentionMask mask;
    mask.window = window;
    int lo = window > 0 ? std::max(0, start - window + 1) : 0;
    if (!global && c.vision_bidirectional_attention && en.mm != nullptr) {
      mask.blocks = en.mm->bidirectional_blocks;
      for (const auto& [b0, b1] : mask.blocks) {
        if (b1 > start && b0 < end) lo = std::min(lo, b0);
      }
    }
    const ops::PagedKv paged{kv->KBase(slot), kv->VBase(slot), bs, y.kv_width,
                             table(en)};
    ops::PagedAttention(q + static_cast<size_t>(r) * y.q_width, T, start, paged,
                        lo, end, shape, mask, c.attention_logit_soft_cap,
                        o + static_cast<size_t>(r) * y.q_width,
                        &st->attn_scratch);
    r += T;
  }
  return absl::OkStatus();
}

absl::Status Gemma4Model::Experts(const Layer& y, ForwardState* st,
                                  int rows) const {
  const TextConfig& c = config_.text;
  const int H = c.hidden_dim, E = c.num_experts, k = c.num_experts_per_token;
  const float eps = c.rms_norm_eps;
  const float* x = st->x.data();
  // Router on the raw residual: (RMSNorm_noscale(x)·H^-1/2)⊙scale · W_r.
  float* z = ForwardState::Grow(&st->moe_z, static_cast<size_t>(rows) * H);
  ops::RmsNorm(x, rows, H, nullptr, eps, z);
  const float inv_sqrt_h =
      static_cast<float>(1.0 / std::sqrt(static_cast<double>(H)));
  for (int r = 0; r < rows; ++r) {
    for (int j = 0; j < H; ++j) {
      z[static_cast<size_t>(r) * H + j] =
          z[static_cast<size_t>(r) * H + j] * inv_sqrt_h * y.router_scale[j];
    }
  }
  float* logits =
      ForwardState::Grow(&st->moe_logits, static_cast<size_t>(rows) * E);
  GEMMA_RETURN_IF_ERROR(st->runner.Run(*y.router, z, rows, logits));
  if (st->moe_ids.size() < static_cast<size_t>(rows) * k)
    st->moe_ids.resize(rows * k);
  float* w =
      ForwardState::Grow(&st->moe_weights, static_cast<size_t>(rows) * k);
  ops::RouteExperts(logits, rows, E, k, y.per_expert_scale.data(),
                    st->moe_ids.data(), w);
  // Expert inputs, and the weighted sum of the chosen experts' outputs.
  ops::RmsNorm(x, rows, H, y.pre_ffw_norm_2.data(), eps, z);
  float* m = ForwardState::Grow(&st->moe_m, static_cast<size_t>(rows) * H);
  std::fill(m, m + static_cast<size_t>(rows) * H, 0.0f);
  st->expert_rows.resize(E);
  for (auto& v : st->expert_rows) v.clear();
  for (int r = 0; r < rows; ++r) {
    for (int j = 0; j < k; ++j) {
      st->expert_rows[st->moe_ids[r * k + j]].push_back({r, w[r * k + j]});
    }
  }
  for (int e = 0; e < E; ++e) {
    const auto& list = st->expert_rows[e];
    if (list.empty()) continue;
    const int n = static_cast<int>(list.size());
    float* in = ForwardState::Grow(&st->moe_rows, static_cast<size_t>(n) * H);
    float* out = ForwardState::Grow(&st->moe_out, static_cast<size_t>(n) * H);
    for (int i = 0; i < n; ++i) {
      std::memcpy(in + static_cast<size_t>(i) * H,
                  z + static_cast<size_t>(list[i].first) * H,
                  sizeof(float) * H);
    }
    GEMMA_RETURN_IF_ERROR(Mlp(st, *y.expert_gate[e], *y.expert_up[e],
                              *y.expert_down[e], in, n, out));
    for (int i = 0; i < n; ++i) {
      float* dst = m + static_cast<size_t>(list[i].first) * H;
      const float* src = out + static_cast<size_t>(i) * H;
      for (int j = 0; j < H; ++j) dst[j] += list[i].second * src[j];
    }
  }
  ops::RmsNorm(m, rows, H, y.post_ffw_norm_2.data(), eps, m);
  return absl::OkStatus();
}

absl::Status Gemma4Model::FeedForward(int index, ForwardState* st,
                                      int rows) const {
  const TextConfig& c = config_.text;
  const Layer& y = *layers_[index];
  const int H = c.hidden_dim;
  const float eps = c.rms_norm_eps;
  float* x = st->x.data();
  float* h = st->h.data();
  float* f = ForwardState::Grow(&st->tmp, static_cast<size_t>(rows) * H);
  ops::RmsNorm(x, rows, H, y.pre_ffw_norm.data(), eps, h);
  GEMMA_RETURN_IF_ERROR(Mlp(st, *y.gate, *y.up, *y.down, h, rows, f));
  if (!c.enable_moe) {
    AddNormed(x, f, rows, H, y.post_ffw_norm.data(), eps);
    return absl::OkStatus();
  }
  // Dense path d = RMSNorm(MLP; post_1), expert path m; x += RMSNorm(d + m).
  ops::RmsNorm(f, rows, H, y.post_ffw_norm_1.data(), eps, f);
  GEMMA_RETURN_IF_ERROR(Experts(y, st, rows));
  const float* m = st->moe_m.data();
  for (size_t i = 0; i < static_cast<size_t>(rows) * H; ++i) f[i] += m[i];
  AddNormed(x, f, rows, H, y.post_ffw_norm.data(), eps);
  return absl::OkStatus();
}

absl::Status Gemma4Model::RunLayer(int index, ForwardState* st, KvCache* kv,
                                   absl::Span<const ForwardEntry> batch,
                                   int rows) const {
  const TextConfig& c = config_.text;
  const Layer& y = *layers_[index];
  const int H = c.hidden_dim;
  const float eps = c.rms_norm_eps;
  float* x = st->x.data();
  float* h = ForwardState::Grow(&st->h, static_cast<size_t>(rows) * H);
  ops::RmsNorm(x, rows, H, y.input_norm.data(), eps, h);
  GEMMA_RETURN_IF_ERROR(Attend(index, st, kv, batch, rows));
  float* a = ForwardState::Grow(&st->tmp, static_cast<size_t>(rows) * H);
  GEMMA_RETURN_IF_ERROR(st->runner.Run(*y.o, st->attn.data(), rows, a));
  AddNormed(x, a, rows, H, y.post_attn_norm.data(), eps);
  GEMMA_RETURN_IF_ERROR(FeedForward(index, st, rows));
  if (c.per_layer_input_dim > 0) {
    const int P = c.per_layer_input_dim, W = c.num_layers * P;
    float* g = ForwardState::Grow(&st->ple_g, static_cast<size_t>(rows) * P);
    GEMMA_RETURN_IF_ERROR(st->runner.Run(*y.ple_gate, x, rows, g));
    const float* u = st->ple_u.data() + static_cast<size_t>(index) * P;
    for (int r = 0; r < rows; ++r) {
      for (int j = 0; j < P; ++j)
        g[static_cast<size_t>(r) * P + j] *= u[static_cast<size_t>(r) * W + j];
    }
    float* v = ForwardState::Grow(&st->tmp, static_cast<size_t>(rows) * H);
    GEMMA_RETURN_IF_ERROR(st->runner.Run(*y.ple_proj, g, rows, v));
    AddNormed(x, v, rows, H, y.ple_post_norm.data(), eps);
  }
  for (size_t i = 0; i < static_cast<size_t>(rows) * H; ++i)
    x[i] *= y.layer_scalar;
  return absl::OkStatus();
}

}  // namespace gemma::model
