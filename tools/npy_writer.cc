#include "tools/npy_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/base/config.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace gemma::tools {

#if defined(ABSL_IS_BIG_ENDIAN)
#error "WriteNpyFloat32 writes the host's floats as little-endian '<f4'"
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

absl::Status WriteNpyFloat32(const std::string& path,
                             const std::vector<int64_t>& shape,
                             absl::Span<const float> values) {
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": negative dimension in the array shape"));
    }
    count *= d;
  }
  if (count != static_cast<int64_t>(values.size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": the shape holds ", count, " values, not ", values.size()));
  }
  const std::string header = NpyFloat32Header(shape);
  if (header.size() - 10 > 0xffff) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the array has too many dimensions for .npy 1.0"));
  }
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    const int open_errno = errno;
    const absl::StatusCode code =
        open_errno == ENOENT   ? absl::StatusCode::kNotFound
        : open_errno == EACCES ? absl::StatusCode::kPermissionDenied
                               : absl::StatusCode::kUnknown;
    return absl::Status(
        code, absl::StrCat("cannot open ", path,
                           " for writing: ", std::strerror(open_errno)));
  }
  bool ok = std::fwrite(header.data(), 1, header.size(), f) == header.size();
  if (ok && !values.empty()) {
    ok = std::fwrite(values.data(), sizeof(float), values.size(), f) ==
         values.size();
  }
  const int write_errno = ok ? 0 : errno;
  if (std::fclose(f) != 0 && ok) {
    return absl::DataLossError(absl::StrCat("cannot finish writing ", path,
                                            ": ", std::strerror(errno)));
  }
  if (!ok) {
    return absl::DataLossError(
        absl::StrCat("cannot write ", path, ": ", std::strerror(write_errno)));
  }
  return absl::OkStatus();
}

}  // namespace gemma::tools
