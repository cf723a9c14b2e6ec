// gemma4 detokenize: token ids -> text (SentencePiece decoding, nothing
// stripped). Text output: the decoded text as is; JSON: {"text": "..."}.
#include "base/status_macros.h"
#include "nlohmann/json.hpp"
#include "tools/commands.h"
#include "tools/common.h"

namespace gemma::tools {

absl::Status RunDetokenize(int argc, char** argv) {
  const std::vector<FlagSpec> flags = {
      {"model", false, "checkpoint directory (its tokenizer is used)"},
      {"ids", false, "comma-separated token ids, e.g. 2,17,300"},
      {"format", false, "text (default) or json"},
  };
  absl::StatusOr<Args> args = ParseCommandArgs(
      argc, argv, "detokenize --model DIR --ids 1,2,3 [--format json]", flags);
  if (!args.ok()) {
    return HelpShown(args.status()) ? absl::OkStatus() : args.status();
  }
  GEMMA_ASSIGN_OR_RETURN(std::string model, args->Require("model"));
  GEMMA_ASSIGN_OR_RETURN(std::string id_text, args->Require("ids"));
  GEMMA_ASSIGN_OR_RETURN(OutputFormat format, ParseFormat(*args));
  GEMMA_ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                         ParseIdList(id_text, "--ids"));
  GEMMA_ASSIGN_OR_RETURN(auto tok, LoadTokenizer(model));
  const std::vector<int> int_ids(ids.begin(), ids.end());
  GEMMA_ASSIGN_OR_RETURN(std::string text, tok->Decode(int_ids));
  if (format == OutputFormat::kJson) {
    nlohmann::json out;
    out["text"] = text;
    WriteStdout(JsonDump(out) + "\n");
  } else {
    WriteStdout(text);
  }
  return absl::OkStatus();
}

}  // namespace gemma::tools
