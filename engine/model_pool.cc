#include "engine/model_pool.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "engine/batch_runner.h"
#include "engine/model_loader.h"

namespace gemma::engine {

struct ModelPool::Model {
  ModelInfo info;
  LoadedModel loaded;  // Weights, math, tokenizer, front end.
  // Last: instances stop (joining their threads) before the model goes.
  std::vector<std::unique_ptr<EngineInstance>> instances;
};

ModelPool::ModelPool() = default;

ModelPool::~ModelPool() {
  // Stop every instance (each ends its outstanding work) before the models'
  // weights and tokenizers are freed.
  for (auto& m : models_) m->instances.clear();
}

namespace {

absl::Status ValidateSpecs(const std::vector<ModelSpec>& specs,
                           int total_threads) {
  if (specs.empty()) return absl::InvalidArgumentError("no model to serve");
  absl::flat_hash_set<std::string> names;
  int instances = 0;
  for (const ModelSpec& s : specs) {
    if (s.name.empty()) {
      return absl::InvalidArgumentError("a model has an empty name");
    }
    if (!names.insert(s.name).second) {
      return absl::InvalidArgumentError(
          absl::StrFormat("model name '%s' is used twice", s.name));
    }
    if (s.dir.empty() == s.random_config.empty()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "model '%s': give exactly one of a checkpoint directory and a "
          "random config",
          s.name));
    }
    if (s.instances < 1) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "model '%s': instances must be >= 1 (got %d)", s.name, s.instances));
    }
    if (s.threads != 0 && s.threads < s.instances) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "model '%s': %d threads cannot be split over %d instances", s.name,
          s.threads, s.instances));
    }
    if (s.kv_cache_bytes < 0 || s.kv_cache_tokens < 0 || s.block_size < 1) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "model '%s': KV cache size and block size must be positive", s.name));
    }
    instances += s.instances;
  }
  int explicit_threads = 0, implicit_instances = 0;
  for (const ModelSpec& s : specs) {
    if (s.threads > 0) {
      explicit_threads += s.threads;
    } else {
      implicit_instances += s.instances;
    }
  }
  if (explicit_threads + implicit_instances > total_threads) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d model instances (%d explicit threads) would oversubscribe %d "
        "cores; lower the instance counts or raise the thread budget",
        instances, explicit_threads, total_threads));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ModelPool>> ModelPool::Create(
    const std::vector<ModelSpec>& specs, const PoolOptions& options) {
  const int total_threads =
      options.total_threads > 0
          ? options.total_threads
          : std::max(1u, std::thread::hardware_concurrency());
  GEMMA_RETURN_IF_ERROR(ValidateSpecs(specs, total_threads));
  // Threads left for models without an explicit budget, per instance.
  int explicit_threads = 0, implicit_instances = 0;
  for (const ModelSpec& s : specs) {
    if (s.threads > 0) {
      explicit_threads += s.threads;
    } else {
      implicit_instances += s.instances;
    }
  }
  const int implicit_share =
      implicit_instances == 0 ? 1
                              : std::max(1, (total_threads - explicit_threads) /
                                                implicit_instances);

  auto pool = std::unique_ptr<ModelPool>(new ModelPool());
  for (const ModelSpec& spec : specs) {
    auto m = std::make_unique<Model>();
    absl::StatusOr<LoadedModel> loaded = LoadModel(spec);
    if (!loaded.ok()) {
      return absl::Status(loaded.status().code(),
                          absl::StrFormat("model '%s': %s", spec.name,
                                          loaded.status().message()));
    }
    m->loaded = std::move(*loaded);
    m->info = m->loaded.info;
    m->info.name = spec.name;
    m->info.instances = spec.instances;

    int64_t kv_tokens = spec.kv_cache_tokens;
    if (spec.kv_cache_bytes > 0) {
      const int64_t per_token =
          BatchRunner::KvBytesPerToken(m->loaded.checkpoint->config);
      kv_tokens = spec.kv_cache_bytes / std::max<int64_t>(1, per_token);
    }
    const int num_blocks = static_cast<int>(kv_tokens / spec.block_size);
    if (num_blocks < 1) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "model '%s': the KV cache budget holds no block of %d tokens",
          spec.name, spec.block_size));
    }
    // The longest request must fit one instance's pool.
    m->info.context_length = std::min<int64_t>(
        m->info.context_length, int64_t{num_blocks} * spec.block_size);
    m->info.default_max_length =
        std::min(m->info.default_max_length, m->info.context_length);

    ModelTraits traits;
    traits.name = spec.name;
    traits.tokenizer = m->loaded.tokenizer.get();
    traits.limits.vocab_size = m->info.vocab_size;
    traits.limits.context_length = m->info.context_length;
    traits.limits.default_max_length = m->info.default_max_length;
    traits.stop_defaults = m->loaded.stop_defaults;
    traits.strip_audio_tokens = m->info.audio;
    traits.media = m->loaded.media;

    const int threads =
        spec.threads > 0 ? spec.threads / spec.instances : implicit_share;
    for (int i = 0; i < spec.instances; ++i) {
      GEMMA_ASSIGN_OR_RETURN(
          std::unique_ptr<BatchRunner> runner,
          BatchRunner::Create(m->loaded.math, num_blocks, spec.block_size,
                              spec.scheduler));
      InstanceOptions io;
      io.index = i;
      io.num_threads = threads;
      io.kv_cache_tokens = int64_t{num_blocks} * spec.block_size;
      io.block_size = spec.block_size;
      io.prefix_cache = spec.prefix_cache;
      io.scheduler = spec.scheduler;
      io.queue = spec.queue;
      GEMMA_ASSIGN_OR_RETURN(
          std::unique_ptr<EngineInstance> inst,
          EngineInstance::Create(traits, std::move(runner), io));
      m->instances.push_back(std::move(inst));
    }
    LOG(INFO) << "model '" << spec.name << "': " << spec.instances
              << " instance(s), " << threads << " thread(s) each, "
              << num_blocks << " KV blocks of " << spec.block_size
              << " tokens each";
    pool->models_.push_back(std::move(m));
  }
  return pool;
}

absl::StatusOr<const ModelPool::Model*> ModelPool::Find(
    const std::string& name) const {
  for (const auto& m : models_) {
    if (m->info.name == name) return m.get();
  }
  std::vector<std::string> names;
  for (const auto& m : models_) names.push_back(m->info.name);
  return absl::NotFoundError(
      absl::StrFormat("model '%s' is not served; models: %s", name,
                      absl::StrJoin(names, ", ")));
}

std::vector<ModelInfo> ModelPool::ListModels() const {
  std::vector<ModelInfo> out;
  for (const auto& m : models_) out.push_back(m->info);
  return out;
}

absl::StatusOr<const Frontend*> ModelPool::GetFrontend(
    const std::string& model) const {
  GEMMA_ASSIGN_OR_RETURN(const Model* m, Find(model));
  return m->loaded.frontend.get();
}

absl::Status ModelPool::Submit(Request request) {
  GEMMA_ASSIGN_OR_RETURN(const Model* m, Find(request.model));
  // Least-loaded instance; ties to the lowest index.
  EngineInstance* best = nullptr;
  int best_load = 0;
  for (const auto& inst : m->instances) {
    const int load = inst->Load();
    if (best == nullptr || load < best_load) {
      best = inst.get();
      best_load = load;
    }
  }
  return best->Submit(std::move(request));
}

std::vector<EngineStats> ModelPool::Stats() const {
  std::vector<EngineStats> out;
  for (const auto& m : models_) {
    for (const auto& inst : m->instances) out.push_back(inst->Stats());
  }
  return out;
}

void ModelPool::StartDraining() {
  for (const auto& m : models_) {
    for (const auto& inst : m->instances) inst->StartDraining();
  }
}

int ModelPool::InFlight() const {
  int n = 0;
  for (const auto& m : models_) {
    for (const auto& inst : m->instances) n += inst->InFlight();
  }
  return n;
}

}  // namespace gemma::engine
