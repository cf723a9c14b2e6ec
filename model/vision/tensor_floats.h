// Reading small checkpoint tensors (norm scales, clip bounds, biases,
// convolution kernels) of the vision and audio towers as float32, whatever
// their stored dtype (float32 or bfloat16, upcast exactly).
// Thread-safety: pure functions of an immutable WeightStore.
#ifndef GEMMA_MODEL_VISION_TENSOR_FLOATS_H_
#define GEMMA_MODEL_VISION_TENSOR_FLOATS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model/tensor.h"
#include "model/weights.h"

namespace gemma::model {

// Element i of a float32 or bfloat16 view as float32.
float TensorFloatAt(const TensorView& view, int64_t i);

// The whole tensor `name`, checked against `shape`, as float32. Errors name
// the tensor and its source file.
absl::StatusOr<std::vector<float>> ReadFloats(
    const WeightStore& store, const std::string& name,
    const std::vector<int64_t>& shape);

// A 0-d tensor (a clip bound) as one float.
absl::StatusOr<float> ReadScalar(const WeightStore& store,
                                 const std::string& name);

}  // namespace gemma::model

#endif  // GEMMA_MODEL_VISION_TENSOR_FLOATS_H_
