#include "tools/npy_writer.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/base/config.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"

namespace gemma::tools {

#if defined(ABSL_IS_BIG_ENDIAN)
#error "NpyFloat32Writer writes the host's floats as little-endian '<f4'"
#endif

std::string NpyFloat32Header(const std::vector<int64_t>& shape) {
  // numpy writes "(n,)" for one dimension and "()" for a scalar.
  std::string dims = absl::StrJoin(shape, ", ");
  if (shape.size() == 1) dims += ",";
  std::string dict = absl::StrCat(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (", dims, "), }");
  // Magic (6) + version (2) + header length (2) + dict + padding + '\n'.
  const size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string header("\x93NUMPY\x01\x00", 8);
  header += static_cast<char>(dict.size() & 0xff);
  header += static_cast<char>((dict.size() >> 8) & 0xff);
  return header + dict;
}

absl::StatusOr<std::unique_ptr<NpyFloat32Writer>> NpyFloat32Writer::Create(
    const std::string& path, const std::vector<int64_t>& shape) {
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": negative dimension in the array shape"));
    }
    count *= d;
  }
  const std::string header = NpyFloat32Header(shape);
  if (header.size() - 10 > 0xffff) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the array has too many dimensions for .npy 1.0"));
  }
  // Written under a temporary name and renamed by Finish(), so an existing
  // file is only replaced by a complete one.
  const std::string partial = path + ".partial";
  FILE* f = std::fopen(partial.c_str(), "wb");
  if (f == nullptr) {
    const int open_errno = errno;
    const absl::StatusCode code =
        open_errno == ENOENT   ? absl::StatusCode::kNotFound
        : open_errno == EACCES ? absl::StatusCode::kPermissionDenied
                               : absl::StatusCode::kUnknown;
    return absl::Status(
        code, absl::StrCat("cannot open ", partial,
                           " for writing: ", std::strerror(open_errno)));
  }
  std::unique_ptr<NpyFloat32Writer> writer(
      new NpyFloat32Writer(path, partial, f, count));
  if (std::fwrite(header.data(), 1, header.size(), f) != header.size()) {
    const int write_errno = errno;
    writer->Abandon();
    return absl::DataLossError(
        absl::StrCat("cannot write ", path, ": ", std::strerror(write_errno)));
  }
  return writer;
}

NpyFloat32Writer::~NpyFloat32Writer() { Abandon(); }

void NpyFloat32Writer::Abandon() {
  if (file_ == nullptr) return;
  std::fclose(file_);
  file_ = nullptr;
  std::remove(partial_.c_str());
}

absl::Status NpyFloat32Writer::Append(absl::Span<const float> values) {
  if (file_ == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, " is already closed"));
  }
  if (written_ + static_cast<int64_t>(values.size()) > expected_) {
    Abandon();
    return absl::InvalidArgumentError(absl::StrCat(
        path_, ": more values than the shape holds (", expected_, ")"));
  }
  if (!values.empty() && std::fwrite(values.data(), sizeof(float),
                                     values.size(), file_) != values.size()) {
    const int write_errno = errno;
    Abandon();
    return absl::DataLossError(
        absl::StrCat("cannot write ", path_, ": ", std::strerror(write_errno)));
  }
  written_ += static_cast<int64_t>(values.size());
  return absl::OkStatus();
}

absl::Status NpyFloat32Writer::Finish() {
  if (file_ == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, " is already closed"));
  }
  if (written_ != expected_) {
    Abandon();
    return absl::InvalidArgumentError(absl::StrCat(
        path_, ": ", written_, " values written, the shape holds ", expected_));
  }
  FILE* f = file_;
  file_ = nullptr;
  if (std::fclose(f) != 0) {
    const int close_errno = errno;
    std::remove(partial_.c_str());
    return absl::DataLossError(absl::StrCat("cannot finish writing ", path_,
                                            ": ", std::strerror(close_errno)));
  }
  if (std::rename(partial_.c_str(), path_.c_str()) != 0) {
    const int rename_errno = errno;
    std::remove(partial_.c_str());
    return absl::DataLossError(absl::StrCat("cannot rename ", partial_, " to ",
                                            path_, ": ",
                                            std::strerror(rename_errno)));
  }
  return absl::OkStatus();
}

absl::Status WriteNpyFloat32(const std::string& path,
                             const std::vector<int64_t>& shape,
                             absl::Span<const float> values) {
  GEMMA_ASSIGN_OR_RETURN(std::unique_ptr<NpyFloat32Writer> writer,
                         NpyFloat32Writer::Create(path, shape));
  GEMMA_RETURN_IF_ERROR(writer->Append(values));
  return writer->Finish();
}

}  // namespace gemma::tools
