// The proto side of prompt building: converts the API's prompts
// (gemma4.v1.Prompt) into the engine front end's inputs and hands them to the
// model's engine::Frontend, which does all the tokenizing, chat-template
// rendering, placeholder expansion and media preprocessing. What this unit
// adds, and only this:
//  - gemma4.v1.ChatPrompt -> tokenizer::ChatRequest (roles, text and media
//    parts, tool calls and responses, tool declarations);
//  - each prompt's media as engine::MediaBlobs (converted by
//    media_conversion.h), in the order the front end pairs them with the
//    placeholders;
//  - token-id prompts for engines without a front end (no BOS added);
//  - per-prompt error context (the prompt's field path prefixed to the front
//    end's INVALID_ARGUMENT) and per-stage and per-modality preprocessing
//    metrics;
//  - ChatStartsInThought: the chat output parser's start state, decided from
//    the request (the front end does not return the rendered text that
//    tokenizer::PromptEndsInThoughtChannel would read).
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
