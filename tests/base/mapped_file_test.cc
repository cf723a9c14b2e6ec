#include "base/mapped_file.h"

#include <cstdio>
#include <fstream>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace gemma {
namespace {

TEST(MappedFileTest, MapsContents) {
  std::string path = ::testing::TempDir() + "/mapped_file_test.bin";
  {
    std::ofstream out(path, std::ios::binary);
    out << "hello weights";
  }
  ASSERT_OK_AND_ASSIGN(auto file, MappedFile::Open(path));
  EXPECT_EQ(file->view(), "hello weights");
  std::remove(path.c_str());
}

TEST(MappedFileTest, MissingFileIsNotFoundAndNamesPath) {
  auto file = MappedFile::Open("/nonexistent/dir/model.safetensors");
  EXPECT_THAT(file, gemma::testing::StatusIs(absl::StatusCode::kNotFound,
                                             "model.safetensors"));
}

}  // namespace
}  // namespace gemma
