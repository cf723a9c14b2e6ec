// Command-line arguments of one gemma4 subcommand: `--name value`,
// `--name=value` and boolean `--name`, checked against the flags the
// subcommand declares, so a typo is an error naming the flag.
// Thread-safety: plain value; built once in main.
#ifndef GEMMA_TOOLS_ARGS_H_
#define GEMMA_TOOLS_ARGS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace gemma::tools {

struct FlagSpec {
  std::string name;      // Without the dashes.
  bool boolean = false;  // Takes no value.
  std::string help;
};

class Args {
 public:
  // Parses argv[first..argc) against `flags`. INVALID_ARGUMENT for unknown
  // flags, a missing value, a repeated flag (unless `repeatable`), or a
  // positional argument.
  static absl::StatusOr<Args> Parse(
      int argc, char** argv, int first, const std::vector<FlagSpec>& flags,
      const std::set<std::string>& repeatable = {});

  bool Has(const std::string& name) const;
  // The (last) value of a flag, or `fallback`.
  std::string Get(const std::string& name,
                  const std::string& fallback = "") const;
  // Every value of a repeatable flag, in order.
  std::vector<std::string> GetAll(const std::string& name) const;
  // The value parsed as a number; INVALID_ARGUMENT naming the flag.
  absl::StatusOr<std::optional<int64_t>> GetInt(const std::string& name) const;
  absl::StatusOr<std::optional<double>> GetDouble(
      const std::string& name) const;
  // NOT_FOUND-style INVALID_ARGUMENT "--name is required" when absent.
  absl::StatusOr<std::string> Require(const std::string& name) const;

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

// "Usage: gemma4 <cmd> ..." plus one line per flag.
std::string FlagHelp(const std::vector<FlagSpec>& flags);

// Parses "1,2,3" (spaces allowed) into ints; INVALID_ARGUMENT naming `what`.
absl::StatusOr<std::vector<int32_t>> ParseIdList(const std::string& text,
                                                 const std::string& what);

}  // namespace gemma::tools

#endif  // GEMMA_TOOLS_ARGS_H_
