// Turns the API's prompts (text with media, chat, token ids) into the
// engine's PromptInputs through the model's Frontend (tokenizer, chat
// template, image and audio preprocessing), timing each stage.
//
// Token-id prompts are used as given (no BOS added). Errors from the
// front end (undecodable media, ...) come back INVALID_ARGUMENT with the
// prompt's field path prefixed.
// Thread-safety: pure functions over a thread-safe Frontend.
#ifndef GEMMA_SERVER_PROMPT_BUILDER_H_
#define GEMMA_SERVER_PROMPT_BUILDER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "engine/request.h"
#include "google/protobuf/repeated_field.h"
#include "proto/gemma4_service.pb.h"
#include "server/server_metrics.h"

namespace gemma::server {

// `metrics` may be null. `model` must be served by `engine`.
absl::StatusOr<std::vector<engine::PromptInput>> BuildPrompts(
    const engine::Engine& engine, const std::string& model,
    const google::protobuf::RepeatedPtrField<gemma4::v1::Prompt>& prompts,
    ServerMetrics* metrics);

// Whether the rendered chat prompt ends inside an open thought channel
// (thinking on and the last message an assistant turn with tool results,
// spec §6.5.6), so the output starts as thought.
bool ChatStartsInThought(const gemma4::v1::ChatPrompt& chat);

}  // namespace gemma::server

#endif  // GEMMA_SERVER_PROMPT_BUILDER_H_
