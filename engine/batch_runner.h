// The model side of one engine step: turns a StepPlan (prefill chunks and
// decode tokens of many sequences) into one ragged batched forward pass of
// the model over its paged KV cache, and returns the logits rows the
// samplers need.
//
// Each instance owns one BatchRunner: the model's per-instance state (oneDNN
// context, scratch, the preallocated KV block storage) lives here; weights
// are shared between instances.
// Thread-safety: not thread-safe; used by its instance's engine thread.
#ifndef GEMMA_ENGINE_BATCH_RUNNER_H_
#define GEMMA_ENGINE_BATCH_RUNNER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/scheduler.h"
#include "model/checkpoint/checkpoint.h"
#include "model/decoder/forward_batch.h"

namespace gemma::model {
class ForwardState;
class Gemma4Model;
class KvCache;
struct MultimodalInput;
}  // namespace gemma::model

namespace gemma::engine {

// Final-normed hidden states of a step's rows (contrastive search).
struct StepHidden {
  // In: one flag per plan item: every row of the chunk (1) or only its
  // last row (0).
  std::vector<char> all_rows;
  // Out: item i owns rows [row_begin[i], row_begin[i + 1]) of `rows`, each
  // of `dim` floats.
  std::vector<int> row_begin;
  std::vector<float> rows;
  int dim = 0;

  absl::Span<const float> item_rows(int i) const {
    return absl::MakeConstSpan(rows).subspan(
        static_cast<size_t>(row_begin[i]) * dim,
        static_cast<size_t>(row_begin[i + 1] - row_begin[i]) * dim);
  }
};

class BatchRunner {
 public:
  // Bytes of KV storage one token position takes (every cached layer's K
  // and V), for turning a byte budget into blocks.
  static int64_t KvBytesPerToken(const model::ModelConfig& config);

  // A runner over `model` (shared, immutable) with the KV memory of
  // `num_blocks` blocks of `block_size` positions of every cached layer,
  // split between the full-context and the sliding-window pools for the
  // scheduler's limits (PlanKvPools in engine/scheduler.h).
  static absl::StatusOr<std::unique_ptr<BatchRunner>> Create(
      std::shared_ptr<const model::Gemma4Model> model, int num_blocks,
      int block_size, const SchedulerOptions& scheduler = {});
  ~BatchRunner();

  // Runs every item of `plan`: item i feeds seq->tokens[start, start+count)
  // at positions start.. and writes their K/V into the sequence's blocks.
  // `logits` receives one row of vocab_size() floats per item with
  // wants_logits, in plan order (its capacity is reused). `media`, when not
  // empty, holds one entry per plan item: that chunk's soft-token rows (null
  // for text-only chunks). `hidden`, when not null, asks for hidden states (see
  // StepHidden); its all_rows must then hold one flag per plan item.
  absl::Status Run(const StepPlan& plan, std::vector<float>* logits,
                   absl::Span<const model::MultimodalInput* const> media = {},
                   StepHidden* hidden = nullptr);

  int vocab_size() const { return vocab_size_; }
  // The pools of the KV cache (for the instance's BlockManager).
  const KvPoolSizes& kv_pools() const { return kv_pools_; }

 private:
  BatchRunner() = default;

  std::shared_ptr<const model::Gemma4Model> model_;
  std::unique_ptr<model::ForwardState> state_;
  std::unique_ptr<model::KvCache> kv_;
  // Reused across steps (a batched step's logits are tens of MB).
  std::vector<model::ForwardEntry> entries_;
  model::ForwardOutput out_;
  int vocab_size_ = 0;
  KvPoolSizes kv_pools_;
};

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_BATCH_RUNNER_H_
