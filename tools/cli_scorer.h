// The model behind `gemma4 score`: the serving engine's model loader
// (engine::LoadModel: checkpoint, decoder math, towers, tokenizer front end)
// run as a full forward pass over a whole prompt, yielding the logits of
// every position (after the final soft cap) — the computation the golden
// fixtures' prompt*_logits.npy record. Media items are encoded by the
// model's towers and their soft tokens placed at their placeholders, with
// the within-image bidirectional blocks where the model has them, as the
// engine does at prefill.
// Thread-safety: Score() may not run concurrently with itself (it sets the
// calling thread's OpenMP thread count); the front end is thread-safe.
#ifndef GEMMA_TOOLS_CLI_SCORER_H_
#define GEMMA_TOOLS_CLI_SCORER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/frontend.h"
#include "engine/request.h"
#include "preprocess/audio_features.h"

namespace gemma::engine {
struct LoadedModel;
}  // namespace gemma::engine

namespace gemma::tools {

struct CliScorerOptions {
  std::string model_dir;
  int threads = 0;           // OpenMP threads; 0: every core.
  bool load_vision = false;  // Load the vision tower (images, video).
  bool load_audio = false;   // Load the audio tower.
  preprocess::AudioFeatureConvention audio_convention =
      preprocess::AudioFeatureConvention::kHuggingFace;
};

// Receives the logits of consecutive prompt positions, in order: a block
// of rows × vocab_size floats per call. An error stops the scoring.
using LogitRowsSink = std::function<absl::Status(absl::Span<const float>)>;

class CliScorer {
 public:
  // UNIMPLEMENTED in a build without the serving engine.
  static absl::StatusOr<std::unique_ptr<CliScorer>> Create(
      const CliScorerOptions& options);
  ~CliScorer();

  // The model's front end, to turn flags into a PromptInput.
  const engine::Frontend& frontend() const;

  int vocab_size() const;

  // Runs the prompt and hands `sink` the logits of all its positions.
  // chunk_tokens 0: one forward pass over the whole prompt (the goldens'
  // computation). chunk_tokens > 0: passes of at most that many positions
  // (longer only to keep an image's bidirectional block in one pass), each
  // attending to the earlier ones through the KV cache, so memory holds
  // one chunk's logits; the result equals one pass up to float32 summation
  // order. INVALID_ARGUMENT for an empty prompt, a negative chunk size, or
  // media that do not fit the prompt (naming the item); tower and decoder
  // errors pass through.
  absl::Status Score(const engine::PromptInput& prompt, int chunk_tokens,
                     const LogitRowsSink& sink) const;

 private:
  CliScorer() = default;

  int threads_ = 0;
  std::unique_ptr<engine::LoadedModel> model_;
};

}  // namespace gemma::tools

#endif  // GEMMA_TOOLS_CLI_SCORER_H_
