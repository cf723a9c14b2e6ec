// gemma4 tokenize: text -> token ids and pieces, without BOS (keras-hub's
// tokenizer call). Text output: one "id<TAB>piece" line per token; JSON:
// {"token_ids": [...], "pieces": [...]}.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "nlohmann/json.hpp"
#include "tools/commands.h"
#include "tools/common.h"

namespace gemma::tools {

absl::Status RunTokenize(int argc, char** argv) {
  const std::vector<FlagSpec> flags = {
      {"model", false, "checkpoint directory (its tokenizer is used)"},
      {"text", false, "text to tokenize"},
      {"format", false, "text (default) or json"},
  };
  absl::StatusOr<Args> args = ParseCommandArgs(
      argc, argv, "tokenize --model DIR --text TEXT [--format json]", flags);
  if (!args.ok()) {
    return HelpShown(args.status()) ? absl::OkStatus() : args.status();
  }
  GEMMA_ASSIGN_OR_RETURN(std::string model, args->Require("model"));
  GEMMA_ASSIGN_OR_RETURN(std::string text, args->Require("text"));
  GEMMA_ASSIGN_OR_RETURN(OutputFormat format, ParseFormat(*args));
  GEMMA_ASSIGN_OR_RETURN(auto tok, LoadTokenizer(model));
  const std::vector<int> ids = tok->Encode(text);
  if (format == OutputFormat::kJson) {
    nlohmann::json out;
    out["token_ids"] = ids;
    std::vector<std::string> pieces;
    for (int id : ids) pieces.push_back(tok->IdToPiece(id));
    out["pieces"] = pieces;
    WriteStdout(JsonDump(out) + "\n");
    return absl::OkStatus();
  }
  std::string out;
  for (int id : ids) absl::StrAppend(&out, id, "\t", tok->IdToPiece(id), "\n");
  WriteStdout(out);
  return absl::OkStatus();
}

}  // namespace gemma::tools
