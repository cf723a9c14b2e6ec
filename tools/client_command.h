// `gemma4 client`: talks to a running gemma4-server.
//
//   gemma4 client --target HOST:PORT [--timeout SECONDS] health [--service S]
//   gemma4 client --target HOST:PORT models [--format json]
//   gemma4 client --target HOST:PORT generate --model NAME
//       (--prompt TEXT [--image FILE]... [--audio FILE]... |
//        --chat FILE.json [--tools FILE.json] [--thinking] |
//        --token-ids 2,651,...)
//       [the generation flags of `gemma4 generate`] [--format text|json]
//   gemma4 client --target HOST:PORT stream ...   (as generate; prints the
//       text as it arrives)
//
// `health` exits 0 only when the server reports SERVING. With --format json,
// generate prints {"token_ids": [...], "text": "...", "finish_reason": ...}
// (plus "thought", "content" and "tool_calls" for chat); stream prints the
// same object at the end, its token_ids being the generated ids only.
// Thread-safety: called once from main.
#ifndef GEMMA_TOOLS_CLIENT_COMMAND_H_
#define GEMMA_TOOLS_CLIENT_COMMAND_H_

#include "absl/status/status.h"

namespace gemma::tools {

// argv is the CLI's: argv[0] the program, argv[1] "client", flags after.
// Errors: INVALID_ARGUMENT for bad flags; the RPC's status otherwise;
// FAILED_PRECONDITION when `health` finds the server not serving.
absl::Status RunClient(int argc, char** argv);

// RunClient, printing an error to stderr; returns the exit code (0 success,
// 2 bad usage, 1 anything else, including NOT_SERVING).
int RunClientCommand(int argc, char** argv);

}  // namespace gemma::tools

#endif  // GEMMA_TOOLS_CLIENT_COMMAND_H_
