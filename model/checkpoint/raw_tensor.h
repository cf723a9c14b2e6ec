// A tensor as a checkpoint file holds it, before mapping to canonical names:
// a view, the file it came from (for messages), and what keeps its bytes
// alive (a mapped file, or a buffer when the bytes had to be copied).
// Thread-safety: plain values.
#ifndef GEMMA_MODEL_CHECKPOINT_RAW_TENSOR_H_
#define GEMMA_MODEL_CHECKPOINT_RAW_TENSOR_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/tensor.h"

namespace gemma::model {

struct RawTensor {
  std::string name;
  TensorView view;
  std::string source;
  std::shared_ptr<const void> owner;
};

// A RawTensor owning a copy of `nbytes` bytes at `data`.
inline RawTensor CopyToOwned(std::string name, DType dtype,
                             std::vector<int64_t> shape, const void* data,
                             size_t nbytes, std::string source) {
  auto buffer = std::make_shared<std::vector<uint8_t>>(nbytes);
  if (nbytes > 0) std::memcpy(buffer->data(), data, nbytes);
  RawTensor t;
  t.name = std::move(name);
  t.view.dtype = dtype;
  t.view.shape = std::move(shape);
  t.view.data = buffer->data();
  t.source = std::move(source);
  t.owner = std::move(buffer);
  return t;
}

// True when `data` is suitably aligned for elements of `dtype`.
inline bool IsAligned(const void* data, DType dtype) {
  return reinterpret_cast<uintptr_t>(data) % DTypeSize(dtype) == 0;
}

}  // namespace gemma::model

#endif  // GEMMA_MODEL_CHECKPOINT_RAW_TENSOR_H_
