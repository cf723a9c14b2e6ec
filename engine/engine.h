// The serving engine as the RPC edge and the CLI see it: a pool of named
// models, each with its tokenizer front end, accepting Requests.
//
// The concrete engine (continuous batching over a paged KV cache) implements
// this interface; callers depend only on it, so server/ never sees oneDNN.
// Thread-safety: every method may be called from any thread concurrently.
#ifndef GEMMA_ENGINE_ENGINE_H_
#define GEMMA_ENGINE_ENGINE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/request.h"

namespace gemma::engine {

class Frontend;  // engine/frontend.h: tokenizer, chat template, media.

struct ModelInfo {
  std::string name;
  std::string family;  // "e2b", "e4b", "moe", "dense", "custom".
  int vocab_size = 0;
  int hidden_dim = 0;
  int num_layers = 0;
  int context_length = 0;      // Longest max_length accepted.
  int default_max_length = 0;  // keras-hub preprocessor sequence_length.
  std::string dtype;           // "float32" / "bfloat16".
  bool image = false, audio = false, video = false;
  int instances = 1;
  bool random_weights = false;
};

// A snapshot of the engine's real state, for metrics and routing.
struct EngineStats {
  std::string model;
  int instance = 0;
  int waiting_requests = 0;
  int64_t waiting_prompt_tokens = 0;
  int running_sequences = 0;
  int last_batch_tokens = 0;
  int last_batch_sequences = 0;
  int64_t kv_blocks_total = 0;
  int64_t kv_blocks_used = 0;
  int64_t prefix_cache_hits_total = 0;     // Blocks reused.
  int64_t prefix_cache_queries_total = 0;  // Blocks looked up.
  int64_t preemptions_total = 0;
  int64_t steps_total = 0;
  // Media (images, audio clips, video frames) of accepted requests, their
  // soft tokens, encoder-cache hits (items served without a tower call),
  // tower calls and the seconds they took.
  int64_t media_items_total = 0;
  int64_t media_soft_tokens_total = 0;
  int64_t media_cache_hits_total = 0;
  int64_t media_encoder_calls_total = 0;
  double media_encoder_seconds_total = 0;
  // The same media counters split by modality (a video counts one item per
  // sampled frame).
  struct MediaCounters {
    int64_t items_total = 0;
    int64_t soft_tokens_total = 0;
    int64_t cache_hits_total = 0;
    int64_t encoder_calls_total = 0;
    double encoder_seconds_total = 0;
  };
  MediaCounters media_image, media_audio, media_video;
};

class Engine {
 public:
  virtual ~Engine() = default;

  virtual std::vector<ModelInfo> ListModels() const = 0;
  // NOT_FOUND (naming the model and the ones served) if unknown.
  virtual absl::StatusOr<const Frontend*> GetFrontend(
      const std::string& model) const = 0;
  // Accepts the request or refuses it at once: NOT_FOUND (model),
  // INVALID_ARGUMENT (parameters, lengths), RESOURCE_EXHAUSTED (queue full;
  // the message carries a retry hint), DEADLINE_EXCEEDED (cannot be met),
  // UNAVAILABLE (draining). After OK, the sink gets exactly one OnDone per
  // prompt, whatever happens (cancellation, deadline, shutdown).
  virtual absl::Status Submit(Request request) = 0;
  virtual std::vector<EngineStats> Stats() const = 0;
  // Stops admitting (Submit returns UNAVAILABLE); running work continues.
  virtual void StartDraining() = 0;
  // Number of accepted requests not yet finished.
  virtual int InFlight() const = 0;
};

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_ENGINE_H_
