// Builds gemma4.v1 API messages from what the gemma4 CLI parses: the
// engine's GenerationParams (from the same generation flags as
// `gemma4 generate`) and chat requests read from JSON files.
// Thread-safety: pure functions.
#ifndef GEMMA_TOOLS_CLIENT_REQUEST_H_
#define GEMMA_TOOLS_CLIENT_REQUEST_H_

#include "absl/status/statusor.h"
#include "engine/request.h"
#include "proto/gemma4_service.pb.h"
#include "tokenizer/chat_types.h"

namespace gemma::tools {

gemma4::v1::GenerationOptions ToProtoOptions(
    const engine::GenerationParams& params);

// Text, tool calls, tool results and tool declarations carry over; media
// parts of a chat file (URLs, data URIs) are refused with a hint to pass
// media by file (--image/--audio/--video with --prompt).
absl::StatusOr<gemma4::v1::ChatPrompt> ToProtoChat(
    const tokenizer::ChatRequest& chat);

}  // namespace gemma::tools

#endif  // GEMMA_TOOLS_CLIENT_REQUEST_H_
