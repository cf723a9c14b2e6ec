// The media side of an engine instance's steps: which positions of a
// multimodal prompt the scheduler must treat specially, and, for each step,
// the soft-token rows (and vision-bidirectional blocks) of the prefill
// chunks that hold a media item's placeholders.
//
// Per prompt (Annotate): an image's soft tokens form a block that a prefill
// chunk may not split when the model attends bidirectionally within images
// (SchedState::unsplittable), and prefix-cache reuse stops at the first
// media item (SchedState::media_begin), since placeholder ids are the same
// for every image.
// Per step (Prepare): every chunk overlapping a media item gets its rows,
// from the encoder cache or from the tower. At most one tower call runs per
// step, so a large image delays the other streams' decodes by at most one
// encoder call: a chunk reaching a second not-yet-encoded item is cut short
// before it (or dropped when nothing is left) and continues next step.
// Thread-safety: CountRequest may be called from any thread; the rest only
// from the instance's engine thread.
#ifndef GEMMA_ENGINE_MEDIA_STEP_H_
#define GEMMA_ENGINE_MEDIA_STEP_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "engine/engine.h"
#include "engine/media_encoder.h"
#include "engine/request.h"
#include "engine/scheduler.h"
#include "model/decoder/forward_batch.h"

namespace gemma::engine {

// The multimodal inputs of one step, one slot per plan item (null: text).
struct StepMedia {
  std::vector<const model::MultimodalInput*> per_item;
  // Storage the per_item inputs point into.
  struct Item {
    std::vector<float> embeddings;
    std::vector<int> positions;
    std::vector<std::pair<int, int>> blocks;
    model::MultimodalInput mm;
  };
  std::vector<std::unique_ptr<Item>> storage;
};

class MediaStepper {
 public:
  // `encoder` may be null (a text-only model).
  explicit MediaStepper(std::shared_ptr<const MediaEncoder> encoder);

  // Checks a prompt's media against the model (towers, arrays, placeholder
  // ranges inside the prompt, no overlaps): INVALID_ARGUMENT naming the item.
  absl::Status ValidatePrompt(const PromptInput& prompt, int index) const;
  // Sets `seq`'s unsplittable ranges and media_begin for `prompt`.
  void Annotate(const PromptInput& prompt, SchedState* seq) const;

  // Fills `out` for `plan` (items may be cut short or dropped, see above).
  // `prompt_of` gives the prompt an item's sequence runs. Errors (a tower
  // failure) name the item; the step should then fail its sequences.
  absl::Status Prepare(
      StepPlan* plan,
      const std::function<const PromptInput*(const SchedState*)>& prompt_of,
      StepMedia* out);

  // Counts a request's media (any thread).
  void CountRequest(const std::vector<PromptInput>& prompts);
  // Adds this stepper's counters to `stats` (and the shared encoder's).
  void AddTo(EngineStats* stats) const;

 private:
  // Per modality (image, audio, video frame): counted on accept (any
  // thread) and in Prepare (engine thread).
  struct Counters {
    std::atomic<int64_t> items{0};
    std::atomic<int64_t> soft_tokens{0};
    int64_t cache_hits = 0;
    int64_t encodes = 0;
    double encode_seconds = 0;
  };
  static constexpr int kModalities = 3;
  static int ModalityOf(const MediaInput& media);

  std::shared_ptr<const MediaEncoder> encoder_;
  Counters counters_[kModalities];
};

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_MEDIA_STEP_H_
