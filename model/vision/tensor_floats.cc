#include "model/vision/tensor_floats.h"

#include "absl/strings/str_cat.h"
#include "base/bfloat16.h"
#include "base/status_macros.h"

namespace gemma::model {

float TensorFloatAt(const TensorView& view, int64_t i) {
  return view.dtype == DType::kBF16 ? Bf16ToFloat(view.bf16()[i])
                                    : view.f32()[i];
}

absl::StatusOr<std::vector<float>> ReadFloats(
    const WeightStore& store, const std::string& name,
    const std::vector<int64_t>& shape) {
  GEMMA_ASSIGN_OR_RETURN(TensorView view, store.Get(name, shape));
  if (view.dtype != DType::kF32 && view.dtype != DType::kBF16) {
    return absl::InvalidArgumentError(
        absl::StrCat(store.SourceOf(name), ": tensor ", name, " is ",
                     DTypeName(view.dtype), ", expected float32 or bfloat16"));
  }
  std::vector<float> out(static_cast<size_t>(view.num_elements()));
  for (int64_t i = 0; i < view.num_elements(); ++i) {
    out[i] = TensorFloatAt(view, i);
  }
  return out;
}

absl::StatusOr<float> ReadScalar(const WeightStore& store,
                                 const std::string& name) {
  GEMMA_ASSIGN_OR_RETURN(std::vector<float> v, ReadFloats(store, name, {}));
  return v[0];
}

}  // namespace gemma::model
