// Converts the engine's results into API messages: completions, stream
// chunks, model descriptions, and chat deltas.
// Thread-safety: pure functions.
#ifndef GEMMA_SERVER_RESPONSE_CONVERSION_H_
#define GEMMA_SERVER_RESPONSE_CONVERSION_H_

#include <vector>

#include "engine/engine.h"
#include "engine/request.h"
#include "proto/gemma4_service.pb.h"
#include "tokenizer/chat_output_parser.h"

namespace gemma::server {

gemma4::v1::FinishReason ToProtoFinishReason(engine::FinishReason reason);

// Fills usage, timings and the finish fields shared by Completion and
// StreamFinal.
void FillUsage(const engine::Usage& usage, gemma4::v1::Usage* out);
void FillTimings(const engine::Timings& timings, gemma4::v1::Timings* out);

// `logprobs`: the per-token logprobs collected from the chunks, in order.
// `chat`: set for chat prompts (the parsed channels of result.text).
void FillCompletion(const engine::GenerationResult& result,
                    const std::vector<engine::TokenLogprob>& logprobs,
                    const tokenizer::ParsedChatOutput* chat,
                    gemma4::v1::Completion* out);

void FillStreamFinal(const engine::GenerationResult& result,
                     gemma4::v1::StreamFinal* out);

// A chunk's token ids, text and logprobs (not its chat delta).
void FillChunk(const engine::GenerationChunk& chunk,
               gemma4::v1::GenerateStreamChunk* out);

void FillChatDelta(const tokenizer::ChatOutputDelta& delta,
                   gemma4::v1::ChatDelta* out);

void FillModelInfo(const engine::ModelInfo& info, gemma4::v1::ModelInfo* out);

}  // namespace gemma::server

#endif  // GEMMA_SERVER_RESPONSE_CONVERSION_H_
