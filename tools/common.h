// Helpers shared by the gemma4 subcommands: the --help convention, output
// formats, and loading a model directory's tokenizer.
// Thread-safety: pure functions.
#ifndef GEMMA_TOOLS_COMMON_H_
#define GEMMA_TOOLS_COMMON_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "tokenizer/tokenizer.h"
#include "tools/args.h"

namespace gemma::tools {

// Parses argv[2..] against `flags` plus --help; for --help prints the
// flags and returns a CANCELLED status the caller passes through as
// success (see HelpShown).
absl::StatusOr<Args> ParseCommandArgs(
    int argc, char** argv, const char* usage,
    const std::vector<FlagSpec>& flags,
    const std::set<std::string>& repeatable = {});
// True for the status ParseCommandArgs returns after printing help.
bool HelpShown(const absl::Status& status);

enum class OutputFormat { kText, kJson };
absl::StatusOr<OutputFormat> ParseFormat(const Args& args);

// The tokenizer of a checkpoint directory (Tokenizer::FromModelDir).
absl::StatusOr<std::unique_ptr<tokenizer::Tokenizer>> LoadTokenizer(
    const std::string& model_dir);

// One-line JSON; invalid UTF-8 becomes U+FFFD instead of throwing.
std::string JsonDump(const nlohmann::json& j);

// Writes `text` to stdout as is and flushes.
void WriteStdout(const std::string& text);

}  // namespace gemma::tools

#endif  // GEMMA_TOOLS_COMMON_H_
