// Gemma4Model::Forward: input checks, embeddings, per-layer inputs, the
// layer loop and the LM head. The decoder block itself is in
// decoder_layer.cc.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/bfloat16.h"
#include "base/status_macros.h"
#include "model/decoder/gemma4_model.h"
#include "model/decoder/layer.h"
#include "model/ops/activations.h"
#include "model/ops/rms_norm.h"

namespace gemma::model {
namespace {

void ReadRow(const TensorView& t, int64_t row, int width, float scale,
             float* out) {
  const size_t off = static_cast<size_t>(row) * width;
  if (t.dtype == DType::kBF16) {
    const uint16_t* src = t.bf16() + off;
    for (int i = 0; i < width; ++i) out[i] = Bf16ToFloat(src[i]) * scale;
  } else {
    const float* src = t.f32() + off;
    for (int i = 0; i < width; ++i) out[i] = src[i] * scale;
  }
}

}  // namespace

absl::Status Gemma4Model::Validate(const KvCache& kv,
                                   absl::Span<const ForwardEntry> batch) const {
  const TextConfig& c = config_.text;
  int owners = 0;
  for (int i = 0; i < c.num_layers; ++i) {
    const LayerSpec s = c.Layer(i);
    const int slot = kv.slot_of_layer(i);
    if (slot < 0 || slot >= kv.num_slots() ||
        kv.row_width(slot) != s.num_kv_heads * s.head_dim) {
      return absl::InvalidArgumentError(
          "the KV cache was made for a different model config");
    }
    owners += s.kv_source == i;
  }
  if (owners != kv.num_slots()) {
    return absl::InvalidArgumentError(
        "the KV cache was made for a different model config");
  }
  const int bs = kv.block_size();
  for (size_t e = 0; e < batch.size(); ++e) {
    const ForwardEntry& en = batch[e];
    auto bad = [&](auto&&... parts) {
      return absl::InvalidArgumentError(
          absl::StrCat("batch entry ", e, ": ", parts...));
    };
    const int T = static_cast<int>(en.tokens.size());
    if (T == 0) return bad("no tokens");
    if (en.start_pos < 0) return bad("negative start position");
    const int64_t end = int64_t{en.start_pos} + T;
    if (static_cast<int64_t>(en.blocks.size()) * bs < end) {
      return bad("block table holds ", en.blocks.size() * bs,
                 " positions, needs ", end);
    }
    // Full-context blocks: every entry is read. When the table also serves
    // the windowed slots, its ids must exist in that pool too.
    const int full_pool = en.sliding_blocks.empty() && kv.has_windowed()
                              ? std::min(kv.num_blocks(KvKind::kFull),
                                         kv.num_blocks(KvKind::kWindowed))
                              : kv.num_blocks(KvKind::kFull);
    for (int b : en.blocks) {
      if (b < 0 || b >= full_pool) {
        return bad("block id ", b, " outside the pool of ", full_pool);
      }
    }
    if (!en.sliding_blocks.empty()) {
      if (static_cast<int64_t>(en.sliding_blocks.size()) * bs < end) {
        return bad("sliding-window block table holds ",
                   en.sliding_blocks.size() * bs, " positions, needs ", end);
      }
      // Only blocks from the first query's window to the chunk's end are
      // read or written; the others may be released (negative).
      const int first = std::max(0, en.start_pos - kv.window() + 1) / bs;
      const int last = static_cast<int>((end - 1) / bs);
      const int pool = kv.num_blocks(KvKind::kWindowed);
      for (size_t i = 0; i < en.sliding_blocks.size(); ++i) {
        const int b = en.sliding_blocks[i];
        const bool used =
            static_cast<int>(i) >= first && static_cast<int>(i) <= last;
        if (b >= pool || (b < 0 && used)) {
          return bad("sliding-window block id ", b, " at index ", i,
                     " outside the pool of ", pool);
        }
      }
    }
    for (int t = 0; t < T; ++t) {
      if (en.tokens[t] < 0 || en.tokens[t] >= c.vocab_size) {
        return bad("token id ", en.tokens[t], " at index ", t,
                   " outside the vocabulary [0, ", c.vocab_size, ")");
      }
      bool soft = false;  // Soft-token positions use the pad id for PLE.
      if (en.mm != nullptr) {
        for (int p : en.mm->positions) soft = soft || p == en.start_pos + t;
      }
      if (c.per_layer_input_dim > 0 && en.tokens[t] >= c.per_layer_vocab_size &&
          !soft) {
        return bad("token id ", en.tokens[t],
                   " has no per-layer embedding (table has ",
                   c.per_layer_vocab_size, " rows)");
      }
    }
    if (en.mm != nullptr) {
      const MultimodalInput& mm = *en.mm;
      if (mm.embeddings.size() !=
          mm.positions.size() * static_cast<size_t>(c.hidden_dim)) {
        return bad("multimodal embeddings hold ", mm.embeddings.size(),
                   " floats for ", mm.positions.size(), " positions of width ",
                   c.hidden_dim);
      }
      for (int p : mm.positions) {
        if (p < en.start_pos || p >= end) {
          return bad("multimodal position ", p, " outside the chunk [",
                     en.start_pos, ", ", end, ")");
        }
      }
      for (const auto& [b0, b1] : mm.bidirectional_blocks) {
        if (b0 < 0 || b0 >= b1) return bad("empty bidirectional block");
        // A block's positions see each other only if they are computed in
        // one step: it may not straddle a chunk boundary.
        const bool overlaps = b1 > en.start_pos && b0 < end;
        if (c.vision_bidirectional_attention && overlaps &&
            (b0 < en.start_pos || b1 > end)) {
          return bad("bidirectional block [", b0, ", ", b1,
                     ") straddles the chunk [", en.start_pos, ", ", end,
                     "); keep each image's soft tokens in one chunk");
        }
      }
    }
  }
  return absl::OkStatus();
}

void Gemma4Model::Embed(ForwardState* st,
                        absl::Span<const ForwardEntry> batch) const {
  const TextConfig& c = config_.text;
  const int H = c.hidden_dim;
  const float sqrt_h = std::sqrt(static_cast<float>(H));
  const float inv_sqrt_h =
      static_cast<float>(1.0 / std::sqrt(static_cast<double>(H)));
  int r = 0;
  for (const ForwardEntry& en : batch) {
    const int r0 = r;
    for (size_t t = 0; t < en.tokens.size(); ++t, ++r) {
      st->positions[r] = en.start_pos + static_cast<int>(t);
      st->ple_ids[r] = en.tokens[t];
      ReadRow(embed_, en.tokens[t], H, sqrt_h,
              st->x.data() + static_cast<size_t>(r) * H);
    }
    if (en.mm == nullptr) continue;
    // keras-hub: soft tokens are scaled by H^-1/2 before the interleave and
    // the whole sequence by √H after it; their PLE id is the pad id 0.
    for (size_t i = 0; i < en.mm->positions.size(); ++i) {
      const int row = r0 + en.mm->positions[i] - en.start_pos;
      const float* src = en.mm->embeddings.data() + i * H;
      float* dst = st->x.data() + static_cast<size_t>(row) * H;
      for (int j = 0; j < H; ++j) dst[j] = (src[j] * inv_sqrt_h) * sqrt_h;
      st->ple_ids[row] = 0;
    }
  }
}

absl::Status Gemma4Model::PerLayerInputs(ForwardState* st, int rows) const {
  const TextConfig& c = config_.text;
  const int P = c.per_layer_input_dim, L = c.num_layers, H = c.hidden_dim;
  const int W = L * P;
  float* u = ForwardState::Grow(&st->ple_u, static_cast<size_t>(rows) * W);
  float* a = ForwardState::Grow(&st->tmp, static_cast<size_t>(rows) * W);
  // Context part: (x0 · W_pmp) · H^-1/2, RMS-normalised per block of P.
  GEMMA_RETURN_IF_ERROR(
      st->runner.Run(*ple_projection_, st->x.data(), rows, u));
  const float inv_sqrt_h =
      static_cast<float>(1.0 / std::sqrt(static_cast<double>(H)));
  for (size_t i = 0; i < static_cast<size_t>(rows) * W; ++i) u[i] *= inv_sqrt_h;
  ops::RmsNorm(u, rows * L, P, ple_norm_.data(), c.rms_norm_eps, u);
  // Token-identity part, a row per token straight from the table.
  const float sqrt_p = std::sqrt(static_cast<float>(P));
  const float inv_sqrt2 = static_cast<float>(1.0 / std::sqrt(2.0));
  for (int r = 0; r < rows; ++r) {
    ReadRow(ple_table_, st->ple_ids[r], W, sqrt_p,
            a + static_cast<size_t>(r) * W);
  }
  for (size_t i = 0; i < static_cast<size_t>(rows) * W; ++i) {
    u[i] = (u[i] + a[i]) * inv_sqrt2;
  }
  return absl::OkStatus();
}

absl::Status Gemma4Model::Forward(ForwardState* st, KvCache* kv,
                                  absl::Span<const ForwardEntry> batch,
                                  ForwardOutput* out, bool want_hidden) const {
  GEMMA_RETURN_IF_ERROR(Validate(*kv, batch));
  if (num_threads_ > 0) omp_set_num_threads(num_threads_);
  ++st->step;
  const TextConfig& c = config_.text;
  const int H = c.hidden_dim, V = c.vocab_size;
  int rows = 0, out_rows = 0;
  for (const ForwardEntry& en : batch) {
    rows += static_cast<int>(en.tokens.size());
    out_rows += en.all_logits ? static_cast<int>(en.tokens.size()) : 1;
  }
  if (st->positions.size() < static_cast<size_t>(rows)) {
    st->positions.resize(rows);
    st->ple_ids.resize(rows);
  }
  ForwardState::Grow(&st->x, static_cast<size_t>(rows) * H);
  Embed(st, batch);
  if (c.per_layer_input_dim > 0 && rows > 0) {
    GEMMA_RETURN_IF_ERROR(PerLayerInputs(st, rows));
  }
  // RoPE angles of this step's positions, once per layer type.
  bool have_local = false, have_global = false;
  for (const auto& l : layers_) {
    const LayerSpec& s = l->spec;
    ops::RopeParams p{s.head_dim, s.rope_rotated, s.rope_base, s.rope_scaling};
    if (s.type == LayerType::kGlobal && !have_global) {
      st->rope_global.Compute(p, st->positions.data(), rows);
      have_global = true;
    } else if (s.type == LayerType::kSliding && !have_local) {
      st->rope_local.Compute(p, st->positions.data(), rows);
      have_local = true;
    }
  }
  for (int i = 0; i < c.num_layers && rows > 0; ++i) {
    GEMMA_RETURN_IF_ERROR(RunLayer(i, st, kv, batch, rows));
  }
  // Rows that need logits, final norm, tied head with the soft cap(s).
  float* sel =
      ForwardState::Grow(&st->head_in, static_cast<size_t>(out_rows) * H);
  out->vocab_size = V;
  out->hidden_dim = H;
  out->row_begin.assign(1, 0);
  int r = 0, o = 0;
  for (const ForwardEntry& en : batch) {
    const int T = static_cast<int>(en.tokens.size());
    const int first = en.all_logits ? 0 : T - 1;
    for (int t = first; t < T; ++t, ++o) {
      std::memcpy(sel + static_cast<size_t>(o) * H,
                  st->x.data() + static_cast<size_t>(r + t) * H,
                  sizeof(float) * H);
    }
    r += T;
    out->row_begin.push_back(o);
  }
  out->hidden.clear();
  out->hidden_row_begin.clear();
  if (want_hidden) {
    out->hidden_row_begin.push_back(0);
    r = 0;
    for (const ForwardEntry& en : batch) {
      const int T = static_cast<int>(en.tokens.size());
      const int first = en.all_hidden || en.all_logits ? 0 : T - 1;
      out->hidden.insert(out->hidden.end(),
                         st->x.data() + static_cast<size_t>(r + first) * H,
                         st->x.data() + static_cast<size_t>(r + T) * H);
      r += T;
      out->hidden_row_begin.push_back(out->hidden_row_begin.back() + T - first);
    }
    ops::RmsNorm(out->hidden.data(), out->hidden_row_begin.back(), H,
                 final_norm_.data(), c.rms_norm_eps, out->hidden.data());
  }
  ops::RmsNorm(sel, out_rows, H, final_norm_.data(), c.rms_norm_eps, sel);
  out->logits.resize(static_cast<size_t>(out_rows) * V);
  GEMMA_RETURN_IF_ERROR(
      st->runner.Run(*lm_head_, sel, out_rows, out->logits.data()));
  if (config_.task_final_logit_cap.has_value()) {
    ops::SoftCap(out->logits.data(), out->logits.size(),
                 *config_.task_final_logit_cap);
  }
  return absl::OkStatus();
}

}  // namespace gemma::model
