#include "model/vision/clipped_linear.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "model/vision/tensor_floats.h"

namespace gemma::model {

absl::StatusOr<std::unique_ptr<ops::PackedWeight>> PackLinear(
    const dnnl::engine& engine, const WeightStore& store,
    const std::string& name, int out, int in, ops::WeightFormat format) {
  GEMMA_ASSIGN_OR_RETURN(TensorView view, store.Get(name, {out, in}));
  auto packed = ops::PackedWeight::Create(engine, {view}, format,
                                          ops::Epilogue::None(), name);
  if (!packed.ok()) {
    return absl::Status(
        packed.status().code(),
        absl::StrCat(store.SourceOf(name), ": ", packed.status().message()));
  }
  return std::move(packed).value();
}

absl::StatusOr<ClippedLinear> ClippedLinear::Load(
    const dnnl::engine& engine, const WeightStore& store,
    const std::string& weight_name, int out, int in,
    const std::string& clip_prefix, ops::WeightFormat format) {
  ClippedLinear l;
  GEMMA_ASSIGN_OR_RETURN(
      l.weight_, PackLinear(engine, store, weight_name, out, in, format));
  if (!clip_prefix.empty()) {
    l.clipped_ = true;
    GEMMA_ASSIGN_OR_RETURN(l.in_min_,
                           ReadScalar(store, clip_prefix + ".input_min"));
    GEMMA_ASSIGN_OR_RETURN(l.in_max_,
                           ReadScalar(store, clip_prefix + ".input_max"));
    GEMMA_ASSIGN_OR_RETURN(l.out_min_,
                           ReadScalar(store, clip_prefix + ".output_min"));
    GEMMA_ASSIGN_OR_RETURN(l.out_max_,
                           ReadScalar(store, clip_prefix + ".output_max"));
    if (!(l.in_min_ <= l.in_max_) || !(l.out_min_ <= l.out_max_)) {
      return absl::InvalidArgumentError(absl::StrCat(
          store.SourceOf(clip_prefix + ".input_min"), ": clip bounds of ",
          clip_prefix, " are not ordered (input [", l.in_min_, ", ", l.in_max_,
          "], output [", l.out_min_, ", ", l.out_max_, "])"));
    }
  }
  return l;
}

absl::Status ClippedLinear::Run(ops::MatmulRunner* runner, const float* x,
                                int m, float* y,
                                std::vector<float>* scratch) const {
  const float* src = x;
  if (clipped_) {
    const size_t n = static_cast<size_t>(m) * in_dim();
    if (scratch->size() < n) scratch->resize(n);
    float* c = scratch->data();
    for (size_t i = 0; i < n; ++i) c[i] = std::clamp(x[i], in_min_, in_max_);
    src = c;
  }
  GEMMA_RETURN_IF_ERROR(runner->Run(*weight_, src, m, y));
  if (clipped_) {
    const size_t n = static_cast<size_t>(m) * out_dim();
    for (size_t i = 0; i < n; ++i) y[i] = std::clamp(y[i], out_min_, out_max_);
  }
  return absl::OkStatus();
}

}  // namespace gemma::model
