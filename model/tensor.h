// Element types and a non-owning view of a row-major tensor.
//
// Checkpoint readers hand out TensorViews into mapped files or into buffers
// owned by a WeightStore; the view never owns memory.
// Thread-safety: plain values; safe to copy and read from any thread.
#ifndef GEMMA_MODEL_TENSOR_H_
#define GEMMA_MODEL_TENSOR_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace gemma::model {

enum class DType : uint8_t { kF32, kBF16, kI32 };

inline size_t DTypeSize(DType t) {
  switch (t) {
    case DType::kF32:
    case DType::kI32:
      return 4;
    case DType::kBF16:
      return 2;
  }
  return 0;
}

inline absl::string_view DTypeName(DType t) {
  switch (t) {
    case DType::kF32:
      return "float32";
    case DType::kBF16:
      return "bfloat16";
    case DType::kI32:
      return "int32";
  }
  return "?";
}

struct TensorView {
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  const void* data = nullptr;

  int64_t num_elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  size_t nbytes() const {
    return static_cast<size_t>(num_elements()) * DTypeSize(dtype);
  }
  std::string ShapeString() const {
    return "[" + absl::StrJoin(shape, ", ") + "]";
  }
  const float* f32() const { return static_cast<const float*>(data); }
  const uint16_t* bf16() const { return static_cast<const uint16_t*>(data); }
};

}  // namespace gemma::model

#endif  // GEMMA_MODEL_TENSOR_H_
