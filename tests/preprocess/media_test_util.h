// Helpers shared by the preprocess tests: reading media fixtures and
// converting .npy arrays to images. Test-only.
#ifndef GEMMA_TESTS_PREPROCESS_MEDIA_TEST_UTIL_H_
#define GEMMA_TESTS_PREPROCESS_MEDIA_TEST_UTIL_H_

#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "preprocess/rgb_image.h"
#include "tests/testing/npy.h"
#include "tests/testing/testdata.h"

namespace gemma::preprocess::testing {

inline std::string MediaPath(const std::string& name) {
  return ::gemma::testing::GoldenPath("media/" + name);
}

inline absl::StatusOr<std::string> ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A |u1 [H, W, 3] array as an image.
inline absl::StatusOr<RgbImage> NpyToImage(const std::string& path) {
  auto arr = ::gemma::testing::ReadNpy(path);
  if (!arr.ok()) return arr.status();
  if (arr->descr != "|u1" || arr->shape.size() != 3 || arr->shape[2] != 3) {
    return absl::InvalidArgumentError(path + " is not a uint8 [H, W, 3] array");
  }
  RgbImage img(static_cast<int>(arr->shape[0]),
               static_cast<int>(arr->shape[1]));
  img.data.assign(arr->bytes.begin(), arr->bytes.end());
  return img;
}

// Number of differing bytes (images of different shape count as all).
inline size_t CountDiffs(const RgbImage& a, const RgbImage& b) {
  if (a.height != b.height || a.width != b.width) return a.data.size() + 1;
  size_t n = 0;
  for (size_t i = 0; i < a.data.size(); ++i) n += a.data[i] != b.data[i];
  return n;
}

}  // namespace gemma::preprocess::testing

#endif  // GEMMA_TESTS_PREPROCESS_MEDIA_TEST_UTIL_H_
