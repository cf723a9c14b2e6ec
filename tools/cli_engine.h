// The in-process serving engine the `generate` subcommand runs on: the
// same engine::Engine implementation (engine::ModelPool) the gRPC server
// uses, serving one model named "cli".
// Thread-safety: the returned Engine is thread-safe (see engine/engine.h).
#ifndef GEMMA_TOOLS_CLI_ENGINE_H_
#define GEMMA_TOOLS_CLI_ENGINE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "preprocess/audio_features.h"

namespace gemma::tools {

inline constexpr char kCliModelName[] = "cli";

struct CliEngineOptions {
  std::string model_dir;
  int threads = 0;  // 0: every core.
  int64_t kv_cache_tokens = 16384;
  bool load_vision = false;  // Load the vision tower (image prompts).
  bool load_audio = false;   // Load the audio tower (audio prompts).
  preprocess::AudioFeatureConvention audio_convention =
      preprocess::AudioFeatureConvention::kHuggingFace;
};

absl::StatusOr<std::unique_ptr<engine::Engine>> MakeCliEngine(
    const CliEngineOptions& options);

}  // namespace gemma::tools

#endif  // GEMMA_TOOLS_CLI_ENGINE_H_
