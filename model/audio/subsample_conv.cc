#include "model/audio/subsample_conv.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "model/vision/clipped_linear.h"
#include "model/vision/tensor_floats.h"

namespace gemma::model {
namespace {

constexpr char kPrefix[] = "model.audio_tower.subsample_conv_projection.";
constexpr int kMaxChunkRows = 512;  // im2col rows per matmul.

}  // namespace

absl::StatusOr<SubsampleConvProjection> SubsampleConvProjection::Load(
    const dnnl::engine& engine, const WeightStore& store,
    const AudioConfig& config, ops::WeightFormat format) {
  if (config.sscp_channels.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("audio config: the sub-sampling projection needs 2 "
                     "convolution channel counts, got ",
                     config.sscp_channels.size()));
  }
  SubsampleConvProjection p;
  p.n_mels_ = config.input_feat_size;
  p.eps_ = config.rms_norm_eps;
  int in_ch = 1;
  for (int i = 0; i < 2; ++i) {
    const int out_ch = config.sscp_channels[i];
    const std::string name = absl::StrCat(kPrefix, "layer", i, ".conv.weight");
    GEMMA_ASSIGN_OR_RETURN(std::vector<float> w,
                           ReadFloats(store, name, {out_ch, in_ch, 3, 3}));
    // [out, in, kt, kf] -> [out, (kt·3 + kf)·in + in_index] (im2col order).
    std::vector<float> k(w.size());
    for (int o = 0; o < out_ch; ++o) {
      for (int c = 0; c < in_ch; ++c) {
        for (int tap = 0; tap < 9; ++tap) {
          k[(static_cast<size_t>(o) * 9 + tap) * in_ch + c] =
              w[(static_cast<size_t>(o) * in_ch + c) * 9 + tap];
        }
      }
    }
    TensorView view{DType::kF32, {out_ch, 9 * in_ch}, k.data()};
    Block& b = p.blocks_[i];
    b.in_ch = in_ch;
    b.out_ch = out_ch;
    GEMMA_ASSIGN_OR_RETURN(
        b.kernel, ops::PackedWeight::Create(engine, {view}, format,
                                            ops::Epilogue::None(), name));
    GEMMA_ASSIGN_OR_RETURN(
        b.norm,
        ReadFloats(store, absl::StrCat(kPrefix, "layer", i, ".norm.weight"),
                   {out_ch}));
    in_ch = out_ch;
  }
  const int freq = (p.n_mels_ + 1) / 2;
  const int width = ((freq + 1) / 2) * in_ch;
  GEMMA_ASSIGN_OR_RETURN(
      p.input_proj_,
      PackLinear(engine, store,
                 absl::StrCat(kPrefix, "input_proj_linear.weight"),
                 config.hidden_dim, width, format));
  return p;
}

absl::Status SubsampleConvProjection::RunBlock(const Block& b,
                                               ops::MatmulRunner* runner,
                                               const float* in, int t, int f,
                                               const int32_t* mask,
                                               std::vector<float>* out) const {
  const int t2 = (t + 1) / 2, f2 = (f + 1) / 2;
  const int cols = 9 * b.in_ch;
  out->assign(static_cast<size_t>(t2) * f2 * b.out_ch, 0.0f);
  const int steps_per_chunk = std::max(1, kMaxChunkRows / f2);
  std::vector<float> patches(static_cast<size_t>(steps_per_chunk) * f2 * cols);
  for (int s0 = 0; s0 < t2; s0 += steps_per_chunk) {
    const int steps = std::min(steps_per_chunk, t2 - s0);
    std::fill(patches.begin(), patches.end(), 0.0f);
    for (int s = 0; s < steps; ++s) {
      for (int kt = 0; kt < 3; ++kt) {
        const int ti = 2 * (s0 + s) - 1 + kt;
        if (ti < 0 || ti >= t || mask[ti] == 0) continue;  // Zero row.
        const float* row = in + static_cast<size_t>(ti) * f * b.in_ch;
        for (int j = 0; j < f2; ++j) {
          float* dst =
              patches.data() + (static_cast<size_t>(s) * f2 + j) * cols;
          for (int kf = 0; kf < 3; ++kf) {
            const int fi = 2 * j - 1 + kf;
            if (fi < 0 || fi >= f) continue;
            std::memcpy(dst + (kt * 3 + kf) * b.in_ch,
                        row + static_cast<size_t>(fi) * b.in_ch,
                        sizeof(float) * b.in_ch);
          }
        }
      }
    }
    GEMMA_RETURN_IF_ERROR(
        runner->Run(*b.kernel, patches.data(), steps * f2,
                    out->data() + static_cast<size_t>(s0) * f2 * b.out_ch));
  }
  // LayerNorm over channels (no bias), then ReLU.
  const int c = b.out_ch;
  for (size_t r = 0; r < static_cast<size_t>(t2) * f2; ++r) {
    float* x = out->data() + r * c;
    float mean = 0;
    for (int i = 0; i < c; ++i) mean += x[i];
    mean /= c;
    float var = 0;
    for (int i = 0; i < c; ++i) var += (x[i] - mean) * (x[i] - mean);
    var /= c;
    const float inv = 1.0f / std::sqrt(var + eps_);
    for (int i = 0; i < c; ++i) {
      x[i] = std::max(0.0f, (x[i] - mean) * inv * b.norm[i]);
    }
  }
  return absl::OkStatus();
}

absl::Status SubsampleConvProjection::Run(
    ops::MatmulRunner* runner, const float* features, int frames,
    const int32_t* mask, std::vector<float>* out,
    std::vector<int32_t>* out_mask) const {
  std::vector<float> a, b;
  GEMMA_RETURN_IF_ERROR(
      RunBlock(blocks_[0], runner, features, frames, n_mels_, mask, &a));
  const int t1 = (frames + 1) / 2, f1 = (n_mels_ + 1) / 2;
  std::vector<int32_t> mask1(t1);
  for (int i = 0; i < t1; ++i) mask1[i] = mask[2 * i] != 0;
  GEMMA_RETURN_IF_ERROR(
      RunBlock(blocks_[1], runner, a.data(), t1, f1, mask1.data(), &b));
  const int t2 = (t1 + 1) / 2;
  out_mask->resize(t2);
  for (int i = 0; i < t2; ++i) (*out_mask)[i] = mask1[2 * i];
  out->resize(static_cast<size_t>(t2) * input_proj_->out_dim());
  return runner->Run(*input_proj_, b.data(), t2, out->data());
}

}  // namespace gemma::model
