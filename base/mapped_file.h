// A read-only memory mapping of a whole file.
//
// Checkpoint readers map weight files instead of reading them, so a 10 GB
// checkpoint costs page cache, not heap, and rows of large tables (the
// per-layer-embedding table) are paged in only when touched.
// Thread-safety: immutable after Open(); safe to read from any thread.
#ifndef GEMMA_BASE_MAPPED_FILE_H_
#define GEMMA_BASE_MAPPED_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gemma {

class MappedFile {
 public:
  // Maps `path` read-only. Errors name the path (NOT_FOUND, PERMISSION_DENIED,
  // or INTERNAL for mmap failures). An empty file maps to size 0.
  static absl::StatusOr<std::unique_ptr<MappedFile>> Open(
      const std::string& path);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }
  absl::string_view view() const {
    return absl::string_view(reinterpret_cast<const char*>(data_), size_);
  }

 private:
  MappedFile(std::string path, const uint8_t* data, size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}

  std::string path_;
  const uint8_t* data_;
  size_t size_;
};

// Reads a whole (small) file into a string, e.g. a JSON config.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

}  // namespace gemma

#endif  // GEMMA_BASE_MAPPED_FILE_H_
