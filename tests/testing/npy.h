// Reader for the .npy arrays of the golden fixtures (little-endian <f4, <i4,
// |u1, C order). Test-only. Thread-safety: pure functions.
#ifndef GEMMA_TESTS_TESTING_NPY_H_
#define GEMMA_TESTS_TESTING_NPY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace gemma::testing {

struct NpyArray {
  std::string descr;  // "<f4", "<i4", "|u1".
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;

  int64_t size() const;
  const float* f32() const { return reinterpret_cast<const float*>(bytes.data()); }
  const int32_t* i32() const {
    return reinterpret_cast<const int32_t*>(bytes.data());
  }
  std::vector<float> ToFloats() const;    // Requires <f4.
  std::vector<int32_t> ToInts() const;    // Requires <i4.
};

absl::StatusOr<NpyArray> ReadNpy(const std::string& path);

}  // namespace gemma::testing

#endif  // GEMMA_TESTS_TESTING_NPY_H_
