// Converts the API's GenerationOptions into the engine's GenerationParams,
// checking every field, and checks a request against the model it targets
// (vocabulary, context length, modalities).
//
// Errors are INVALID_ARGUMENT with the field's name and the accepted range,
// so that a user can fix the request from the message alone.
// Thread-safety: pure functions.
#ifndef GEMMA_SERVER_GENERATION_OPTIONS_H_
#define GEMMA_SERVER_GENERATION_OPTIONS_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "engine/request.h"
#include "proto/gemma4_service.pb.h"

namespace gemma::server {

// Limits of the API, independent of the model.
inline constexpr int kMaxStopStrings = 16;
inline constexpr int kMaxStopStringBytes = 256;
inline constexpr int kMaxTopLogprobs = 20;
inline constexpr int kMaxBeams = 64;

// Field-by-field conversion; unset fields take keras-hub's defaults.
absl::StatusOr<engine::GenerationParams> ToGenerationParams(
    const gemma4::v1::GenerationOptions& options);

// Checks built prompts and parameters against the model: token ids and stop
// ids inside the vocabulary, top_k's k below it, every prompt shorter than
// max_length (or the model's default when neither max_length nor
// max_new_tokens is set), max_length within the context. Mirrors the
// engine's rules (engine/generation_params.h) with field-named messages.
absl::Status CheckAgainstModel(const engine::ModelInfo& model,
                               const std::vector<engine::PromptInput>& prompts,
                               const engine::GenerationParams& params);

}  // namespace gemma::server

#endif  // GEMMA_SERVER_GENERATION_OPTIONS_H_
