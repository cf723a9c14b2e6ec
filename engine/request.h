// What a caller (the gRPC edge, the CLI) hands the engine, and what comes
// back: the contract between serving and the model.
//
// A Request carries one or more already-tokenized prompts (like keras-hub's
// generate on a list) and generation parameters mirroring keras-hub
// (spec §5). Results stream back through a RequestSink, per prompt, tagged
// with the prompt index.
// Thread-safety: plain values, except RequestSink (see below) and
// CancellationFlag (atomic).
#ifndef GEMMA_ENGINE_REQUEST_H_
#define GEMMA_ENGINE_REQUEST_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace gemma::engine {

// keras-hub's registered sampler names (spec §5.5).
enum class SamplerType { kGreedy, kRandom, kTopK, kTopP, kBeam, kContrastive };

struct SamplerParams {
  SamplerType type = SamplerType::kGreedy;  // Gemma4CausalLM's default.
  float temperature = 1.0f;                 // > 0.
  int k = 5;           // top_k: k; top_p: optional k (0 = none);
                       // contrastive: candidates per step.
  float p = 0.1f;      // top_p nucleus mass, in [0, 1].
  int num_beams = 5;   // beam.
  float alpha = 0.6f;  // contrastive degeneration penalty, in [0, 1].
  // Seed of the request's own random stream; unset => drawn at admission.
  std::optional<uint64_t> seed;
};

enum class StopTokensMode {
  kAuto,      // <eos>, <turn|> (+ generation_config.json's ids for chat).
  kExplicit,  // stop_token_ids below.
  kNone,      // Generate to the length limit.
};

struct GenerationParams {
  // Total length limit: BOS + prompt + generated (keras-hub max_length).
  // Unset => the model's default (preprocessor.json sequence_length).
  std::optional<int> max_length;
  // Limit on generated tokens; the tighter of the two limits applies.
  std::optional<int> max_new_tokens;
  StopTokensMode stop_mode = StopTokensMode::kAuto;
  std::vector<int32_t> stop_token_ids;    // For kExplicit.
  std::vector<std::string> stop_strings;  // Matched on generated text.
  bool strip_prompt = false;  // Result token_ids hold only generated ids.
  SamplerParams sampler;
  int top_logprobs = 0;  // Per generated token, the n most likely (0: none).
  int priority = 0;      // Higher first; FIFO within a priority.
};

// One image or audio clip, already preprocessed, with where its soft tokens
// go. Filled by the preprocessing stage; empty for text-only prompts.
struct MediaInput {
  enum class Kind { kImage, kAudio, kVideoFrame } kind = Kind::kImage;
  std::vector<float> features;        // pixel patches or log-mel frames.
  std::vector<int32_t> positions;     // pixel position ids (x, y) pairs.
  std::vector<int32_t> feature_mask;  // audio frame validity.
  int rows = 0;                       // Rows of features.
  int num_soft_tokens = 0;            // Placeholders it fills.
  int first_token_index = 0;          // Index of its first placeholder.
  std::string content_hash;           // For the encoder cache.
};

struct PromptInput {
  std::vector<int32_t> token_ids;  // BOS + prompt, placeholders expanded.
  std::vector<MediaInput> media;   // In placeholder order.
  bool is_chat = false;            // Chat input (affects "auto" stops).
};

enum class FinishReason {
  kStopToken,   // A stop token was generated (kept in token_ids).
  kStopString,  // A stop string matched (text truncated before it).
  kLength,      // max_length / max_new_tokens reached.
  kCancelled,   // The caller cancelled.
  kDeadline,    // The deadline passed.
  kError,       // See GenerationResult::status.
};

// "stop_token", "stop_string", "length", "cancelled", "deadline", "error":
// the names metrics labels and JSON output use.
inline const char* FinishReasonName(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStopToken:
      return "stop_token";
    case FinishReason::kStopString:
      return "stop_string";
    case FinishReason::kLength:
      return "length";
    case FinishReason::kCancelled:
      return "cancelled";
    case FinishReason::kDeadline:
      return "deadline";
    case FinishReason::kError:
      return "error";
  }
  return "unknown";
}

struct TokenLogprob {
  int32_t token = 0;
  float logprob = 0;
  std::vector<std::pair<int32_t, float>> top;  // Most likely first.
};

// Streamed as tokens are generated.
struct GenerationChunk {
  int prompt_index = 0;
  std::vector<int32_t> token_ids;
  std::string text;  // UTF-8-safe delta of the generated text.
  std::vector<TokenLogprob> logprobs;
};

struct Usage {
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int cached_tokens = 0;  // Prompt tokens served from the prefix cache.
};

struct Timings {
  absl::Duration queue;
  absl::Duration prefill;
  absl::Duration decode;
  absl::Duration time_to_first_token;
};

// Sent once per prompt, last.
struct GenerationResult {
  int prompt_index = 0;
  absl::Status status;  // Non-OK only with FinishReason::kError etc.
  FinishReason finish_reason = FinishReason::kLength;
  std::string matched_stop;  // The stop string, or the stop token's piece.
  int32_t matched_stop_token = -1;
  // keras-hub generate's output: prompt + generated ids (generated only
  // with strip_prompt), up to and including a stop token.
  std::vector<int32_t> token_ids;
  std::string text;  // Generated text (stop string excluded).
  Usage usage;
  Timings timings;
};

// Receives a request's results. Called from engine threads: implementations
// must be thread-safe and must not block (hand off to a queue and return).
// For each prompt: zero or more OnChunk, then exactly one OnDone.
class RequestSink {
 public:
  virtual ~RequestSink() = default;
  virtual void OnChunk(GenerationChunk chunk) = 0;
  virtual void OnDone(GenerationResult result) = 0;
};

// Shared between the caller and the engine; the engine checks it every step
// and frees the request's work at once when set.
class CancellationFlag {
 public:
  void Cancel() { cancelled_.store(true, std::memory_order_release); }
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> cancelled_{false};
};

struct Request {
  std::string model;  // Name in the model pool.
  std::vector<PromptInput> prompts;
  GenerationParams params;
  absl::Time deadline = absl::InfiniteFuture();
  std::shared_ptr<RequestSink> sink;
  std::shared_ptr<CancellationFlag> cancel;  // May be null.
};

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_REQUEST_H_
