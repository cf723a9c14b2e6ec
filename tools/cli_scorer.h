// The model behind `gemma4 score`: the serving engine's model loader
// (engine::LoadModel: checkpoint, decoder math, towers, tokenizer front end)
// run as one full forward pass over a whole prompt, returning the logits of
// every position (after the final soft cap) — the computation the golden
// fixtures' prompt*_logits.npy record. Media items are encoded by the
// model's towers and their soft tokens placed at their placeholders, with
// the within-image bidirectional blocks where the model has them, as the
// engine does at prefill.
// Thread-safety: Score() may not run concurrently with itself (it sets the
// calling thread's OpenMP thread count); the front end is thread-safe.
#ifndef GEMMA_TOOLS_CLI_SCORER_H_
#define GEMMA_TOOLS_CLI_SCORER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/frontend.h"
#include "engine/request.h"

namespace gemma::engine {
struct LoadedModel;
}  // namespace gemma::engine

namespace gemma::tools {

struct CliScorerOptions {
  std::string model_dir;
  int threads = 0;           // OpenMP threads; 0: every core.
  bool load_vision = false;  // Load the vision tower (images, video).
  bool load_audio = false;   // Load the audio tower.
};

struct ScoredLogits {
  int rows = 0;               // Prompt positions T.
  int vocab_size = 0;         // V.
  std::vector<float> logits;  // [T, V], row-major.
};

class CliScorer {
 public:
  // UNIMPLEMENTED in a build without the serving engine.
  static absl::StatusOr<std::unique_ptr<CliScorer>> Create(
      const CliScorerOptions& options);
  ~CliScorer();

  // The model's front end, to turn flags into a PromptInput.
  const engine::Frontend& frontend() const;

  // INVALID_ARGUMENT for an empty prompt or media that do not fit it
  // (naming the item); tower and decoder errors pass through.
  absl::StatusOr<ScoredLogits> Score(const engine::PromptInput& prompt) const;

 private:
  CliScorer() = default;

  int threads_ = 0;
  std::unique_ptr<engine::LoadedModel> model_;
};

}  // namespace gemma::tools

#endif  // GEMMA_TOOLS_CLI_SCORER_H_
