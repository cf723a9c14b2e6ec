#include "tools/cli_engine.h"

#include <thread>

#include "base/status_macros.h"
#include "engine/model_pool.h"

namespace gemma::tools {

absl::StatusOr<std::unique_ptr<engine::Engine>> MakeCliEngine(
    const CliEngineOptions& options) {
  engine::ModelSpec spec;
  spec.name = kCliModelName;
  spec.dir = options.model_dir;
  spec.instances = 1;
  spec.kv_cache_tokens = options.kv_cache_tokens;
  spec.load_vision = options.load_vision;
  spec.load_audio = options.load_audio;
  spec.audio_convention = options.audio_convention;
  engine::PoolOptions pool;
  pool.total_threads =
      options.threads > 0
          ? options.threads
          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  spec.threads = pool.total_threads;
  GEMMA_ASSIGN_OR_RETURN(std::unique_ptr<engine::ModelPool> engine,
                         engine::ModelPool::Create({spec}, pool));
  return std::unique_ptr<engine::Engine>(std::move(engine));
}

}  // namespace gemma::tools
