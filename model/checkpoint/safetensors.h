// Reader and writer of the safetensors format (8-byte little-endian header
// length, JSON header, raw row-major data), single files and sharded
// directories with model.safetensors.index.json.
//
// The reader maps the file and hands out zero-copy views (copied only when a
// tensor's offset is not aligned to its element size). It validates the
// header: JSON shape, dtype (F32 and BF16; anything else is an error naming
// the tensor), offsets inside the file, sizes = shape x dtype, no overlaps.
// Thread-safety: pure functions; the returned views are immutable.
#ifndef GEMMA_MODEL_CHECKPOINT_SAFETENSORS_H_
#define GEMMA_MODEL_CHECKPOINT_SAFETENSORS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/checkpoint/raw_tensor.h"

namespace gemma::model {

// All tensors of one .safetensors file.
absl::StatusOr<std::vector<RawTensor>> ReadSafetensorsFile(
    const std::string& path);

// All tensors of a Hugging Face directory: model.safetensors, or the shards
// listed by model.safetensors.index.json (each tensor must be in the file
// the index names).
absl::StatusOr<std::vector<RawTensor>> ReadSafetensorsDir(
    const std::string& dir);

// Writes `tensors` (name, view) to `path` as one safetensors file. The
// header is padded so that the data starts 8-byte aligned.
absl::Status WriteSafetensorsFile(const std::string& path,
                                  const std::vector<RawTensor>& tensors);

}  // namespace gemma::model

#endif  // GEMMA_MODEL_CHECKPOINT_SAFETENSORS_H_
