// Test helper: runs the built gemma4 binary (GEMMA4_BIN) with arguments in a
// fresh temporary directory and captures its exit code, stdout and stderr;
// golden-fixture paths and .npy/JSON readers for the CLI tests.
// Thread-safety: one fixture per test, as gtest runs them.
#ifndef GEMMA_TESTS_TOOLS_CLI_RUNNER_H_
#define GEMMA_TESTS_TOOLS_CLI_RUNNER_H_

#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/mapped_file.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/npy.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"

namespace gemma::tools {

using Json = nlohmann::json;

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// `s` single-quoted for /bin/sh.
inline std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

// The int32 array of a .npy file (empty, with a test failure, if unreadable).
inline std::vector<int32_t> ReadIntNpy(const std::string& path) {
  absl::StatusOr<gemma::testing::NpyArray> a = gemma::testing::ReadNpy(path);
  EXPECT_OK(a.status());
  return a.ok() ? a->ToInts() : std::vector<int32_t>{};
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/gemma4_cli_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
  }
  void TearDown() override {
    std::system(absl::StrCat("rm -rf ", Quote(tmp_)).c_str());
  }

  CliResult Run(const std::vector<std::string>& args) {
    std::string cmd = Quote(GEMMA4_BIN);
    for (const std::string& a : args) absl::StrAppend(&cmd, " ", Quote(a));
    const std::string err_path = tmp_ + "/stderr.txt";
    absl::StrAppend(&cmd, " 2>", Quote(err_path));
    CliResult r;
    FILE* pipe = popen(cmd.c_str(), "r");
    if (pipe == nullptr) return r;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) r.out.append(buf, n);
    const int status = pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    auto err = ReadFileToString(err_path);
    if (err.ok()) r.err = *err;
    return r;
  }

  static Json ReadJson(const std::string& path) {
    auto text = ReadFileToString(path);
    EXPECT_OK(text.status());
    return text.ok() ? Json::parse(*text) : Json();
  }

  void WriteFile(const std::string& path, const std::string& text) {
    FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }

  static std::string Golden(const std::string& rel) {
    return gemma::testing::GoldenPath(rel);
  }

  std::string tmp_;
};

}  // namespace gemma::tools

#endif  // GEMMA_TESTS_TOOLS_CLI_RUNNER_H_
