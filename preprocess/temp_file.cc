#include "preprocess/temp_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace gemma::preprocess {

absl::StatusOr<ScopedTempFile> ScopedTempFile::Create(
    absl::string_view bytes, absl::string_view suffix) {
  const char* dir = std::getenv("TMPDIR");
  std::string templ =
      absl::StrCat((dir && *dir) ? dir : "/tmp", "/gemma-media-XXXXXX", suffix);
  std::vector<char> name(templ.begin(), templ.end());
  name.push_back('\0');
  const int fd = mkstemps(name.data(), static_cast<int>(suffix.size()));
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("cannot create a temporary file for media decoding: ",
                     std::strerror(errno)));
  }
  ScopedTempFile file(std::string(name.data()));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      close(fd);
      return absl::InternalError(
          absl::StrCat("cannot write a temporary file for media decoding: ",
                       std::strerror(err)));
    }
    done += static_cast<size_t>(w);
  }
  close(fd);
  return file;
}

ScopedTempFile::ScopedTempFile(ScopedTempFile&& other) noexcept
    : path_(std::exchange(other.path_, std::string())) {}

ScopedTempFile& ScopedTempFile::operator=(ScopedTempFile&& other) noexcept {
  if (this != &other) {
    if (!path_.empty()) unlink(path_.c_str());
    path_ = std::exchange(other.path_, std::string());
  }
  return *this;
}

ScopedTempFile::~ScopedTempFile() {
  if (!path_.empty()) unlink(path_.c_str());
}

}  // namespace gemma::preprocess
