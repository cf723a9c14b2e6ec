// The generation flags of `gemma4 generate` and their translation into
// engine::GenerationParams (keras-hub's generate arguments, spec §5).
// Thread-safety: pure functions.
#ifndef GEMMA_TOOLS_GENERATE_FLAGS_H_
#define GEMMA_TOOLS_GENERATE_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/request.h"
#include "tools/args.h"

namespace gemma::tools {

// --max-new-tokens, --max-length, --stop-token-ids, --stop (repeatable),
// --strip-prompt, --sampler, --temperature, --k, --p, --num-beams, --alpha,
// --seed, --top-logprobs.
std::vector<FlagSpec> GenerationFlagSpecs();

// Range checks that need the model happen in the engine; this rejects
// malformed values. For top_p, k defaults to 0 (no cap) unless --k is set.
absl::StatusOr<engine::GenerationParams> ParseGenerationFlags(const Args& args);

}  // namespace gemma::tools

#endif  // GEMMA_TOOLS_GENERATE_FLAGS_H_
