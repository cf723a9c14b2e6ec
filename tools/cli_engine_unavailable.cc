// Built instead of cli_engine.cc when this build has no serving engine
// (the gemma_engine target needs the model math); `generate` then reports
// that clearly instead of failing to link.
#include "tools/cli_engine.h"

namespace gemma::tools {

absl::StatusOr<std::unique_ptr<engine::Engine>> MakeCliEngine(
    const CliEngineOptions& options) {
  return absl::UnimplementedError(
      "this build of gemma4 has no serving engine (the gemma_engine target "
      "was not configured), so generate is unavailable");
}

}  // namespace gemma::tools
