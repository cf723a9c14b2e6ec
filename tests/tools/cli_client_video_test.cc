// `gemma4 client generate|stream --video` end to end: the real gemma4-server
// binary serves the golden vision checkpoint, the real gemma4 binary sends
// an MJPEG AVI file as a TextPrompt video, and the greedy result must equal
// `gemma4 generate --video` run in process on the same checkpoint.
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/video_fixtures.h"
#include "tests/tools/cli_runner.h"

namespace gemma::tools {
namespace {

using ::testing::HasSubstr;

// A gemma4-server child process on a free port, stopped (SIGTERM, then
// SIGKILL) when destroyed.
class ServerProcess {
 public:
  ServerProcess(const std::string& model_arg, const std::string& log_path)
      : log_path_(log_path) {
    pid_ = fork();
    if (pid_ == 0) {
      FILE* log = std::freopen(log_path.c_str(), "w", stderr);
      if (log == nullptr) _exit(127);
      std::vector<std::string> args = {GEMMA4_SERVER_BIN,
                                       "--model",
                                       model_arg,
                                       "--host",
                                       "127.0.0.1",
                                       "--port",
                                       "0",
                                       "--metrics-port",
                                       "0",
                                       "--threads",
                                       "2",
                                       "--grace-period",
                                       "1"};
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(GEMMA4_SERVER_BIN, argv.data());
      _exit(127);
    }
  }
  ~ServerProcess() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }

  // Waits until the server reports SERVING; returns its port, or 0 (with
  // the log in `log`) when it exits or does not get there in time.
  int WaitServing(std::string* log) {
    for (int i = 0; i < 1200 && pid_ > 0; ++i) {
      absl::StatusOr<std::string> text = ReadFileToString(log_path_);
      if (text.ok()) *log = *text;
      const size_t at = log->find("gRPC on 127.0.0.1:");
      if (at != std::string::npos &&
          log->find("SERVING (loaded") != std::string::npos) {
        const size_t begin = at + std::string("gRPC on 127.0.0.1:").size();
        const size_t end = log->find_first_not_of("0123456789", begin);
        int port = 0;
        if (absl::SimpleAtoi(log->substr(begin, end - begin), &port)) {
          return port;
        }
        return 0;
      }
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return 0;
  }

 private:
  std::string log_path_;
  pid_t pid_ = -1;
};

TEST_F(CliTest, ClientVideoMatchesLocalGenerate) {
  const std::string video = tmp_ + "/clip.avi";
  WriteFile(video, gemma::testing::MjpegAvi(4, 48, 64, 2.0));
  const std::string prompt = "What happens in <|video|>? Describe it.";
  const std::vector<std::string> gen = {
      "--prompt",         prompt, "--video",  video, "--max-new-tokens", "6",
      "--stop-token-ids", "none", "--format", "json"};
  std::vector<std::string> local = {"generate", "--model",
                                    Golden("e2b_vision/hf"), "--threads", "2"};
  local.insert(local.end(), gen.begin(), gen.end());
  CliResult r = Run(local);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json want = Json::parse(r.out);
  ASSERT_GT(want["token_ids"].size(), 6u);

  ServerProcess server("vis=" + Golden("e2b_vision/hf"), tmp_ + "/server.log");
  std::string log;
  const int port = server.WaitServing(&log);
  ASSERT_GT(port, 0) << "gemma4-server did not start:\n" << log;
  const std::string target = "127.0.0.1:" + std::to_string(port);
  for (const std::string action : {"generate", "stream"}) {
    std::vector<std::string> remote = {"client", "--target", target,
                                       action,   "--model",  "vis"};
    remote.insert(remote.end(), gen.begin(), gen.end());
    r = Run(remote);
    ASSERT_EQ(r.exit_code, 0) << action << ": " << r.err;
    const Json got = Json::parse(r.out);
    if (action == "generate") {
      EXPECT_EQ(got["token_ids"], want["token_ids"]);
    }
    EXPECT_EQ(got["text"], want["text"]) << action;
    EXPECT_EQ(got["finish_reason"], "length") << action;
  }
  // A placeholder without its video is the server's INVALID_ARGUMENT.
  r = Run({"client", "--target", target, "generate", "--model", "vis",
           "--prompt", "<|video|> and <|video|>", "--video", video});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("video"));
  // Media go with --prompt.
  r = Run({"client", "--target", target, "generate", "--model", "vis",
           "--token-ids", "2,17", "--video", video});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("go with --prompt"));
}

}  // namespace
}  // namespace gemma::tools
