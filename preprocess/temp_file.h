// A private temporary file holding a copy of some bytes, removed when the
// object goes out of scope. Needed because OpenCV's VideoCapture (used for
// GIF and video containers) only opens paths, not memory.
// Thread-safety: each instance is independent; the file name is unique
// (mkstemp), so concurrent instances never collide.
#ifndef GEMMA_PREPROCESS_TEMP_FILE_H_
#define GEMMA_PREPROCESS_TEMP_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gemma::preprocess {

class ScopedTempFile {
 public:
  // Writes `bytes` to a new file in $TMPDIR (or /tmp) whose name ends with
  // `suffix` (e.g. ".gif"). INTERNAL on I/O failure.
  static absl::StatusOr<ScopedTempFile> Create(absl::string_view bytes,
                                               absl::string_view suffix);

  ScopedTempFile(ScopedTempFile&& other) noexcept;
  ScopedTempFile& operator=(ScopedTempFile&& other) noexcept;
  ScopedTempFile(const ScopedTempFile&) = delete;
  ScopedTempFile& operator=(const ScopedTempFile&) = delete;
  ~ScopedTempFile();

  const std::string& path() const { return path_; }

 private:
  explicit ScopedTempFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace gemma::preprocess

#endif  // GEMMA_PREPROCESS_TEMP_FILE_H_
