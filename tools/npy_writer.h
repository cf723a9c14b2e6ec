// Writing float32 arrays as numpy .npy files (format version 1.0,
// little-endian '<f4', C order), readable by numpy.load.
// Thread-safety: pure functions.
#ifndef GEMMA_TOOLS_NPY_WRITER_H_
#define GEMMA_TOOLS_NPY_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace gemma::tools {

// The .npy header (magic, version 1.0, header length, dict, padding and
// newline) for a '<f4' C-order array of `shape`; its size is a multiple of
// 64 bytes, as numpy writes it.
std::string NpyFloat32Header(const std::vector<int64_t>& shape);

// Writes `values` (the product of `shape` floats) to `path`. Errors name the
// path: INVALID_ARGUMENT when the sizes disagree, others when the file
// cannot be written.
absl::Status WriteNpyFloat32(const std::string& path,
                             const std::vector<int64_t>& shape,
                             absl::Span<const float> values);

}  // namespace gemma::tools

#endif  // GEMMA_TOOLS_NPY_WRITER_H_
