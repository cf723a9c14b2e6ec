// gemma4: command-line tools over the gemma4-serve libraries.
//   gemma4 tokenize    --model DIR --text TEXT [--format json]
//   gemma4 detokenize  --model DIR --ids 1,2,3 [--format json]
//   gemma4 render      --model DIR --chat FILE.json [--thinking] ...
//   gemma4 make-preset --config tiny|e2b|e4b|moe|dense --out DIR ...
//   gemma4 generate    --model DIR (--prompt T | --chat F | --token-ids I)
//   gemma4 score       --model DIR (--prompt T | ... ) --output LOGITS.npy
//   gemma4 client      health|models|generate|stream ...
// `gemma4 <command> --help` lists a command's flags.
#include <cstdio>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "tools/client_command.h"
#include "tools/commands.h"

namespace {

struct Command {
  const char* name;
  const char* summary;
  absl::Status (*run)(int argc, char** argv);
};

constexpr Command kCommands[] = {
    {"tokenize", "text -> token ids and pieces (no BOS)",
     gemma::tools::RunTokenize},
    {"detokenize", "token ids -> text", gemma::tools::RunDetokenize},
    {"render", "chat messages -> the exact prompt text (chat template)",
     gemma::tools::RunRender},
    {"make-preset", "write a checkpoint with random weights",
     gemma::tools::RunMakePreset},
    {"generate", "generate text through the serving engine",
     gemma::tools::RunGenerate},
    {"score", "write the logits of every prompt position as .npy",
     gemma::tools::RunScore},
    {"client", "call a gemma4-server: health, models, generate, stream",
     gemma::tools::RunClient},
};

void PrintUsage(FILE* out) {
  std::fprintf(out, "usage: gemma4 <command> [flags]\ncommands:\n");
  for (const Command& c : kCommands) {
    std::fprintf(out, "  %-12s %s\n", c.name, c.summary);
  }
  std::fprintf(out, "`gemma4 <command> --help` lists its flags.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    PrintUsage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  for (const Command& c : kCommands) {
    if (std::strcmp(argv[1], c.name) != 0) continue;
    absl::Status status = c.run(argc, argv);
    if (!status.ok()) {
      std::fprintf(stderr, "gemma4 %s: %s\n", c.name,
                   std::string(status.message()).c_str());
      return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
    }
    return 0;
  }
  std::fprintf(stderr, "gemma4: unknown command '%s'\n", argv[1]);
  PrintUsage(stderr);
  return 2;
}
