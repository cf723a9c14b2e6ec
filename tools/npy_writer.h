// Writing float32 arrays as numpy .npy files (format version 1.0,
// little-endian '<f4', C order), readable by numpy.load: all at once, or
// streamed row block by row block when the array is too large to hold.
// Thread-safety: NpyFloat32Writer is not thread-safe (one writer per file);
// the functions are pure.
#ifndef GEMMA_TOOLS_NPY_WRITER_H_
#define GEMMA_TOOLS_NPY_WRITER_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace gemma::tools {

// The .npy header (magic, version 1.0, header length, dict, padding and
// newline) for a '<f4' C-order array of `shape`; its size is a multiple of
// 64 bytes, as numpy writes it.
std::string NpyFloat32Header(const std::vector<int64_t>& shape);

// Streams the values of one array of a known shape into a file, in C order.
// The values go to `path`.partial, renamed to `path` by Finish(); a file
// not completed (an error, or the writer destroyed early) is removed, so
// no truncated array is left behind and an existing `path` is only
// replaced by a complete array. Errors name the path.
class NpyFloat32Writer {
 public:
  // Creates `path`.partial and writes the header.
  static absl::StatusOr<std::unique_ptr<NpyFloat32Writer>> Create(
      const std::string& path, const std::vector<int64_t>& shape);
  ~NpyFloat32Writer();
  NpyFloat32Writer(const NpyFloat32Writer&) = delete;
  NpyFloat32Writer& operator=(const NpyFloat32Writer&) = delete;

  // Appends the next values; INVALID_ARGUMENT past the shape's size.
  absl::Status Append(absl::Span<const float> values);
  // Checks every value was written and closes the file.
  absl::Status Finish();

 private:
  NpyFloat32Writer(std::string path, std::string partial, FILE* file,
                   int64_t expected)
      : path_(std::move(path)),
        partial_(std::move(partial)),
        file_(file),
        expected_(expected) {}
  void Abandon();

  std::string path_;
  std::string partial_;
  FILE* file_;
  int64_t expected_;
  int64_t written_ = 0;
};

// Writes `values` (the product of `shape` floats) to `path` at once.
absl::Status WriteNpyFloat32(const std::string& path,
                             const std::vector<int64_t>& shape,
                             absl::Span<const float> values);

}  // namespace gemma::tools

#endif  // GEMMA_TOOLS_NPY_WRITER_H_
