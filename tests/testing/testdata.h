// Locates the repository's testdata/ folder for tests. The build passes the
// source directory as GEMMA_SOURCE_DIR; GEMMA_TESTDATA overrides it.
#ifndef GEMMA_TESTS_TESTING_TESTDATA_H_
#define GEMMA_TESTS_TESTING_TESTDATA_H_

#include <cstdlib>
#include <string>

namespace gemma::testing {

inline std::string TestDataDir() {
  if (const char* env = std::getenv("GEMMA_TESTDATA")) return env;
  return std::string(GEMMA_SOURCE_DIR) + "/testdata";
}

// e.g. GoldenPath("e2b_like/hf") -> ".../testdata/golden/e2b_like/hf".
inline std::string GoldenPath(const std::string& rel) {
  return TestDataDir() + "/golden/" + rel;
}

}  // namespace gemma::testing

#endif  // GEMMA_TESTS_TESTING_TESTDATA_H_
