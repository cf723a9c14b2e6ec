// The subcommands of the gemma4 CLI. Each parses its own flags from
// argv[2..] and returns a Status; main() prints errors and sets the exit
// code. Output goes to stdout; diagnostics to stderr.
// Thread-safety: called once from main.
#ifndef GEMMA_TOOLS_COMMANDS_H_
#define GEMMA_TOOLS_COMMANDS_H_

#include "absl/status/status.h"

namespace gemma::tools {

absl::Status RunTokenize(int argc, char** argv);
absl::Status RunDetokenize(int argc, char** argv);
absl::Status RunRender(int argc, char** argv);
absl::Status RunMakePreset(int argc, char** argv);
absl::Status RunGenerate(int argc, char** argv);
absl::Status RunScore(int argc, char** argv);

}  // namespace gemma::tools

#endif  // GEMMA_TOOLS_COMMANDS_H_
