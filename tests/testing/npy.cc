#include "tests/testing/npy.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/mapped_file.h"
#include "base/status_macros.h"

namespace gemma::testing {

int64_t NpyArray::size() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::vector<float> NpyArray::ToFloats() const {
  return std::vector<float>(f32(), f32() + size());
}

std::vector<int32_t> NpyArray::ToInts() const {
  return std::vector<int32_t>(i32(), i32() + size());
}

namespace {

// Extracts the value text of `key` in the header dict.
std::string HeaderField(const std::string& header, const std::string& key) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) return "";
  size_t colon = header.find(':', k);
  size_t start = header.find_first_not_of(' ', colon + 1);
  char open = header[start];
  size_t end;
  if (open == '(') {
    end = header.find(')', start) + 1;
  } else if (open == '\'') {
    end = header.find('\'', start + 1) + 1;
  } else {
    end = header.find_first_of(",}", start);
  }
  return header.substr(start, end - start);
}

}  // namespace

absl::StatusOr<NpyArray> ReadNpy(const std::string& path) {
  GEMMA_ASSIGN_OR_RETURN(std::string data, ReadFileToString(path));
  if (data.size() < 10 || data.compare(0, 6, "\x93NUMPY") != 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a .npy file"));
  }
  uint8_t major = static_cast<uint8_t>(data[6]);
  size_t header_len, header_start;
  if (major == 1) {
    header_len = static_cast<uint8_t>(data[8]) |
                 (static_cast<uint8_t>(data[9]) << 8);
    header_start = 10;
  } else {
    uint32_t len;
    std::memcpy(&len, data.data() + 8, 4);
    header_len = len;
    header_start = 12;
  }
  std::string header = data.substr(header_start, header_len);
  NpyArray arr;
  arr.descr = std::string(absl::StripSuffix(
      absl::StripPrefix(HeaderField(header, "descr"), "'"), "'"));
  if (HeaderField(header, "fortran_order") != "False") {
    return absl::InvalidArgumentError(absl::StrCat(path, ": Fortran order"));
  }
  std::string shape = HeaderField(header, "shape");
  shape = shape.substr(1, shape.size() - 2);
  for (absl::string_view part : absl::StrSplit(shape, ',', absl::SkipEmpty())) {
    part = absl::StripAsciiWhitespace(part);
    if (part.empty()) continue;
    int64_t d;
    if (!absl::SimpleAtoi(part, &d)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": bad shape"));
    }
    arr.shape.push_back(d);
  }
  size_t elem = arr.descr == "|u1" || arr.descr == "|b1" ? 1
                : (arr.descr == "<f8" || arr.descr == "<i8") ? 8 : 4;
  size_t offset = header_start + header_len;
  size_t want = static_cast<size_t>(arr.size()) * elem;
  if (data.size() - offset != want) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": size mismatch"));
  }
  arr.bytes.assign(data.begin() + offset, data.end());
  return arr;
}

}  // namespace gemma::testing
