#include "tools/common.h"

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace gemma::tools {

constexpr absl::string_view kHelpMarker = "help shown";

absl::StatusOr<Args> ParseCommandArgs(int argc, char** argv, const char* usage,
                                      const std::vector<FlagSpec>& flags,
                                      const std::set<std::string>& repeatable) {
  std::vector<FlagSpec> all = flags;
  all.push_back({"help", true, "show this help"});
  absl::StatusOr<Args> args = Args::Parse(argc, argv, 2, all, repeatable);
  if (args.ok() && args->Has("help")) {
    std::printf("usage: gemma4 %s\n%s", usage, FlagHelp(flags).c_str());
    return absl::CancelledError(kHelpMarker);
  }
  return args;
}

bool HelpShown(const absl::Status& status) {
  return status.code() == absl::StatusCode::kCancelled &&
         status.message() == kHelpMarker;
}

absl::StatusOr<OutputFormat> ParseFormat(const Args& args) {
  const std::string f = args.Get("format", "text");
  if (f == "text") return OutputFormat::kText;
  if (f == "json") return OutputFormat::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("--format must be text or json, got '", f, "'"));
}

absl::StatusOr<std::unique_ptr<tokenizer::Tokenizer>> LoadTokenizer(
    const std::string& model_dir) {
  return tokenizer::Tokenizer::FromModelDir(model_dir);
}

std::string JsonDump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void WriteStdout(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace gemma::tools
