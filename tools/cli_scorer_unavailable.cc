// Built instead of cli_scorer.cc when this build has no serving engine (the
// gemma_engine target needs the model math); `score` then reports that
// clearly instead of failing to link.
#include <cstdlib>

#include "base/logging.h"
#include "tools/cli_scorer.h"

namespace gemma::engine {
struct LoadedModel {};
}  // namespace gemma::engine

namespace gemma::tools {

absl::StatusOr<std::unique_ptr<CliScorer>> CliScorer::Create(
    const CliScorerOptions& options) {
  return absl::UnimplementedError(
      "this build of gemma4 has no serving engine (the gemma_engine target "
      "was not configured), so score is unavailable");
}

CliScorer::~CliScorer() = default;

const engine::Frontend& CliScorer::frontend() const {
  CHECK(false) << "CliScorer is never created in this build";
  std::abort();
}

int CliScorer::vocab_size() const { return 0; }

absl::Status CliScorer::Score(const engine::PromptInput& prompt,
                              int chunk_tokens,
                              const LogitRowsSink& sink) const {
  return absl::UnimplementedError("score is unavailable in this build");
}

}  // namespace gemma::tools
