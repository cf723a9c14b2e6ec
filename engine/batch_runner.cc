#include "engine/batch_runner.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "model/decoder/forward_batch.h"
#include "model/decoder/gemma4_model.h"
#include "model/decoder/kv_cache.h"

namespace gemma::engine {

int64_t BatchRunner::KvBytesPerToken(const model::ModelConfig& config) {
  return model::KvCache::BytesPerToken(config.text);
}

absl::StatusOr<std::unique_ptr<BatchRunner>> BatchRunner::Create(
    std::shared_ptr<const model::Gemma4Model> model, int num_blocks,
    int block_size, const SchedulerOptions& scheduler) {
  auto runner = std::unique_ptr<BatchRunner>(new BatchRunner());
  const model::TextConfig& text = model->config().text;
  if (num_blocks <= 0 || block_size <= 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "KV cache needs positive sizes, got %d blocks of %d positions",
        num_blocks, block_size));
  }
  runner->kv_pools_ =
      PlanKvPools(int64_t{num_blocks} * block_size, block_size,
                  model::KvCache::BytesPerToken(text, model::KvKind::kFull),
                  model::KvCache::BytesPerToken(text, model::KvKind::kWindowed),
                  model::KvCache::Window(text), scheduler,
                  // An image's soft tokens are computed in one chunk.
                  model->config().vision.has_value()
                      ? model->config().vision->default_soft_tokens
                      : 0);
  GEMMA_ASSIGN_OR_RETURN(
      runner->kv_,
      model::KvCache::Create(text, runner->kv_pools_.full_blocks,
                             runner->kv_pools_.windowed_blocks, block_size));
  runner->state_ = model->NewState();
  runner->vocab_size_ = text.vocab_size;
  runner->model_ = std::move(model);
  return runner;
}

BatchRunner::~BatchRunner() = default;

absl::Status BatchRunner::Run(
    const StepPlan& plan, std::vector<float>* logits,
    absl::Span<const model::MultimodalInput* const> media, StepHidden* hidden) {
  if (!media.empty() && media.size() != plan.items.size()) {
    return absl::InternalError("step media do not match the plan's items");
  }
  if (hidden != nullptr && hidden->all_rows.size() != plan.items.size()) {
    return absl::InternalError(
        "step hidden-state requests do not match the plan's items");
  }
  for (const BlockCopy& c : plan.copies) {
    if (kv_pools_.windowed_blocks == 0) {
      kv_->CopyBlock(c.src, c.dst, c.positions);  // One pool of ids.
    } else {
      kv_->CopyBlock(c.kind == BlockKind::kWindowed ? model::KvKind::kWindowed
                                                    : model::KvKind::kFull,
                     c.src, c.dst, c.positions);
    }
  }
  std::vector<model::ForwardEntry>& entries = entries_;
  entries.clear();
  for (const StepItem& item : plan.items) {
    const SchedState& s = *item.seq;
    model::ForwardEntry e;
    e.tokens = absl::MakeConstSpan(s.tokens).subspan(item.start, item.count);
    e.start_pos = item.start;
    e.blocks = s.table.blocks();
    e.sliding_blocks = s.table.window_blocks();
    if (!media.empty()) e.mm = media[entries.size()];
    if (hidden != nullptr) e.all_hidden = hidden->all_rows[entries.size()];
    entries.push_back(e);
  }
  model::ForwardOutput& out = out_;
  GEMMA_RETURN_IF_ERROR(model_->Forward(state_.get(), kv_.get(), entries, &out,
                                        /*want_hidden=*/hidden != nullptr));
  if (hidden != nullptr) {
    hidden->dim = out.hidden_dim;
    // Swapped, not moved: both sides keep their capacity for later steps.
    hidden->row_begin.swap(out.hidden_row_begin);
    hidden->rows.swap(out.hidden);
  }
  // A decode step: every item's one row wants logits, in order already.
  const bool all_rows =
      out.num_rows() == static_cast<int>(plan.items.size()) &&
      std::all_of(plan.items.begin(), plan.items.end(),
                  [](const StepItem& it) { return it.wants_logits; });
  if (all_rows) {
    logits->swap(out.logits);
    return absl::OkStatus();
  }
  logits->clear();
  for (size_t i = 0; i < plan.items.size(); ++i) {
    if (!plan.items[i].wants_logits) continue;
    const float* row = out.logits_row(out.row_begin[i + 1] - 1);
    logits->insert(logits->end(), row, row + vocab_size_);
  }
  return absl::OkStatus();
}

}  // namespace gemma::engine
