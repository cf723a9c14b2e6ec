// Checking a request's GenerationParams against the model it targets, and
// resolving what they leave implicit: the stop-token set ("auto" / explicit /
// none, spec §5.1 and §6.5.8), the total length limit (max_length vs
// max_new_tokens vs the context), and the sampler configuration.
//
// Length rules (spec §5.2: max_length counts BOS + prompt + generated):
//  - prompt longer than the context -> INVALID_ARGUMENT;
//  - max_length set: must be in [prompt length, context length];
//  - max_new_tokens set: must be >= 1; limit = prompt + max_new_tokens;
//  - both set: the tighter applies; neither set: the model's default
//    max_length (preprocessor sequence_length) applies, and a prompt longer
//    than it is refused with a hint to pass max_length or max_new_tokens.
//    (With only max_new_tokens set, the default max_length does not apply:
//    the caller asked for a number of new tokens.)
// The limit never exceeds the context length.
// Thread-safety: pure functions over plain values.
#ifndef GEMMA_ENGINE_GENERATION_PARAMS_H_
#define GEMMA_ENGINE_GENERATION_PARAMS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/request.h"
#include "model/sampling/sampler.h"

namespace gemma::engine {

// What the checks need to know about a model.
struct ModelLimits {
  int vocab_size = 0;
  int context_length = 0;      // Longest total length (BOS + prompt + new).
  int default_max_length = 0;  // keras-hub preprocessor sequence_length.
};

// The model's "auto" stop ids.
struct StopTokenDefaults {
  // keras-hub's Gemma4CausalLM "auto": [<eos>, <turn|>] (ids that exist).
  std::vector<int32_t> base;
  // Added for chat input: generation_config.json's eos ids, and
  // <|tool_response> (spec §6.5.8: a chat server stops on all three).
  std::vector<int32_t> chat_extra;
};

// Parameter checks that do not depend on a prompt: sampler ranges,
// max_length / max_new_tokens signs, explicit stop ids in range, non-empty
// stop strings, top_logprobs in [0, 20].
absl::Status ValidateGenerationParams(const GenerationParams& params,
                                      const ModelLimits& limits);

// The total length limit (BOS + prompt + generated) for a prompt of
// `prompt_length` ids, or INVALID_ARGUMENT (see the rules above).
absl::StatusOr<int> EffectiveMaxLength(const GenerationParams& params,
                                       int prompt_length,
                                       const ModelLimits& limits);

// Full check of one prompt: non-empty, ids in range, length rules.
absl::Status ValidatePrompt(const PromptInput& prompt,
                            const GenerationParams& params,
                            const ModelLimits& limits);

// The stop ids in effect (sorted, unique; empty for kNone).
std::vector<int32_t> ResolveStopTokenIds(const GenerationParams& params,
                                         bool is_chat,
                                         const StopTokenDefaults& defaults);

// The sampler configuration of the request (model/sampling's form).
model::SamplingConfig ToSamplingConfig(const SamplerParams& params);

// Largest top_logprobs accepted.
inline constexpr int kMaxTopLogprobs = 20;

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_GENERATION_PARAMS_H_
