// The serving engine: several named models, each with N instances (own
// engine thread, KV pool and thread share), implementing engine::Engine.
// Requests go to the least-loaded instance of their model.
//
//   std::vector<ModelSpec> specs = {{.name = "gemma", .dir = "/models/e2b"}};
//   GEMMA_ASSIGN_OR_RETURN(auto pool, ModelPool::Create(specs, {}));
//   pool->Submit(request);  // engine::Engine
//
// Thread budget: every instance gets its own share of the cores
// (PoolOptions::total_threads split over all instances, or the spec's
// threads split over its instances), so instances never oversubscribe.
// Thread-safety: every method may be called from any thread.
#ifndef GEMMA_ENGINE_MODEL_POOL_H_
#define GEMMA_ENGINE_MODEL_POOL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "engine/engine_instance.h"
#include "engine/media_limits.h"
#include "engine/waiting_queue.h"
#include "model/tensor.h"
#include "preprocess/audio_features.h"

namespace gemma::engine {

struct ModelSpec {
  std::string name;  // Name requests use; unique in the pool.
  // Checkpoint directory (Keras preset or Hugging Face layout), or empty
  // with random_config set.
  std::string dir;
  // model::NamedConfig name ("tiny", "e2b", ...) for random weights.
  std::string random_config;
  uint64_t random_seed = 1;
  model::DType random_dtype = model::DType::kBF16;
  // Tokenizer directory when `dir` has none (random weights); defaults to
  // `dir`.
  std::string tokenizer_dir;
  // Load (and serve) the vision/audio towers when the checkpoint or
  // config has them.
  bool load_vision = true;
  bool load_audio = true;
  // Bound of the model's encoder-output cache (soft tokens of recently seen
  // images and clips, by content hash) in bytes; 0 disables it.
  int64_t encoder_cache_bytes = int64_t{256} << 20;
  // Log-mel convention of audio input (and so its soft-token count).
  preprocess::AudioFeatureConvention audio_convention =
      preprocess::AudioFeatureConvention::kHuggingFace;
  // Per-request media limits (engine/media_limits.h has the defaults).
  MediaLimits media_limits;

  int instances = 1;
  // Threads for all instances of this model together; 0: an equal share of
  // PoolOptions::total_threads per instance.
  int threads = 0;
  // KV pool per instance: in token positions, or in bytes when
  // kv_cache_bytes > 0 (then kv_cache_tokens is ignored).
  int64_t kv_cache_tokens = 16384;
  int64_t kv_cache_bytes = 0;
  int block_size = 16;
  bool prefix_cache = true;
  SchedulerOptions scheduler;
  QueueLimits queue;
};

struct PoolOptions {
  // Cores the pool may use; 0: std::thread::hardware_concurrency().
  int total_threads = 0;
};

class ModelPool : public Engine {
 public:
  // Loads every model (checkpoint, tokenizer, front end) and starts its
  // instances. Fails with the first model's error, naming the model.
  static absl::StatusOr<std::unique_ptr<ModelPool>> Create(
      const std::vector<ModelSpec>& specs, const PoolOptions& options);
  ~ModelPool() override;

  std::vector<ModelInfo> ListModels() const override;
  absl::StatusOr<const Frontend*> GetFrontend(
      const std::string& model) const override;
  absl::Status Submit(Request request) override;
  std::vector<EngineStats> Stats() const override;
  void StartDraining() override;
  int InFlight() const override;

 private:
  struct Model;
  ModelPool();
  absl::StatusOr<const Model*> Find(const std::string& name) const;

  std::vector<std::unique_ptr<Model>> models_;
};

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_MODEL_POOL_H_
