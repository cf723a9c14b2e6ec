#include "engine/scheduler.h"

#include <algorithm>

#include "base/logging.h"

namespace gemma::engine {

Scheduler::Scheduler(SchedulerOptions options, BlockManager* blocks)
    : options_(options), blocks_(blocks) {
  CHECK(blocks_ != nullptr);
  CHECK_GT(options_.max_batch_tokens, 0);
  CHECK_GT(options_.max_running, 0);
}

StepPlan Scheduler::Plan(AdmissionSource& waiting) {
  StepPlan plan;
  // 1. One decode token for every running sequence past its prompt, oldest
  // first, preempting the newest when the pool is dry.
  const std::vector<SchedState*> snapshot = running_;
  for (SchedState* s : snapshot) {
    if (!s->running || !s->decoding() || s->idle()) continue;
    while (!s->table.Reserve(*blocks_, s->num_computed + 1) ||
           !s->table.ReserveWindow(*blocks_, s->num_computed,
                                   s->num_computed + 1) ||
           !MakeWritable(s, plan)) {
      PreemptNewest(plan);
      if (!s->running) break;
    }
    if (!s->running) continue;
    plan.items.push_back({s, s->num_computed, 1, true});
  }
  // 2. Prefill chunks of admitted sequences, under the token budget (and,
  // when decodes run, the latency bound).
  // (Nothing below removes these items: step 2 preempts only when the plan
  // is empty.)
  plan.decode_rows = static_cast<int>(plan.items.size());
  int budget = std::max(options_.max_batch_tokens - plan.decode_rows,
                        options_.min_prefill_tokens);
  if (plan.decode_rows > 0 && options_.max_itl_stretch > 1) {
    budget = cost_.PrefillBudget(options_.max_itl_stretch,
                                 options_.min_prefill_tokens, budget);
  }
  const std::vector<SchedState*> prefilling = running_;
  for (SchedState* s : prefilling) {
    if (budget <= 0) break;
    if (!s->running || s->decoding()) continue;
    const int left = static_cast<int>(s->tokens.size()) - s->num_computed;
    int n = FitWindow(s, ChunkLength(*s, budget));
    // The windowed pool is dry and nothing else runs this step: make room
    // by preempting the newest (never everyone).
    while (n == 0 && plan.items.empty() && running_.back() != s &&
           PreemptNewest(plan)) {
      if (!s->running) break;
      n = FitWindow(s, ChunkLength(*s, budget));
    }
    if (n == 0 || !s->running) continue;
    // A fresh or resumed sequence never shares a partly filled block, so a
    // prefill chunk needs no copy-on-write.
    plan.items.push_back({s, s->num_computed, n, n == left});
    budget -= n;
  }
  // 3. Resume preempted sequences, then admit new ones. Nothing starts in a
  // step that had to preempt: the pool is too tight.
  while (budget > 0 && plan.preempted.empty() &&
         static_cast<int>(running_.size()) < options_.max_running) {
    const bool resume = !preempted_.empty();
    SchedState* s = resume ? preempted_.front() : waiting.Peek();
    if (s == nullptr || !TryAdmit(s)) break;
    if (resume) {
      preempted_.pop_front();
    } else {
      waiting.Pop();
      s->admit_order = next_admit_++;
    }
    s->running = true;
    // Keep running_ in admission order (a resumed sequence keeps its age).
    running_.insert(
        std::upper_bound(running_.begin(), running_.end(), s,
                         [](const SchedState* a, const SchedState* b) {
                           return a->admit_order < b->admit_order;
                         }),
        s);
    const int left = static_cast<int>(s->tokens.size()) - s->num_computed;
    const int n = FitWindow(s, ChunkLength(*s, budget));
    if (n == 0) break;  // Admitted; its first chunk waits for room.
    plan.items.push_back({s, s->num_computed, n, n == left});
    budget -= n;
  }
  for (const StepItem& item : plan.items) plan.num_tokens += item.count;
  return plan;
}

void Scheduler::ObserveStep(const StepPlan& plan, double seconds) {
  cost_.Observe(plan.num_tokens - plan.decode_rows, seconds);
}

int Scheduler::ChunkLength(const SchedState& s, int budget) {
  const int start = s.num_computed;
  const int left = static_cast<int>(s.tokens.size()) - start;
  int n = std::min(left, budget);
  for (const auto& [b0, b1] : s.unsplittable) {
    if (b0 >= start + n) break;
    if (b1 <= start + n || b0 < start) continue;
    // The chunk would end inside [b0, b1): stop before it, or take all of
    // it when it starts the chunk (over the budget: it cannot be split).
    n = b0 > start ? b0 - start : b1 - start;
    break;
  }
  return n;
}

int Scheduler::FitWindow(SchedState* s, int n) {
  if (!blocks_->has_windowed() || n <= 0) return n;
  const int bs = blocks_->block_size();
  const int start = s->num_computed;
  const int avail = blocks_->num_available_blocks(BlockKind::kWindowed);
  int m = n;
  while (m > 0 &&
         s->table.WindowBlocksNeeded(*blocks_, start, start + m) > avail) {
    m = ((start + m - 1) / bs) * bs - start;  // Drop the last block.
  }
  if (m > 0 && m < n) {
    // The shorter chunk may not end inside an unsplittable range.
    const int c = ChunkLength(*s, m);
    m = c > m ? 0 : c;
  }
  if (m <= 0) return 0;
  const bool ok = s->table.ReserveWindow(*blocks_, start, start + m);
  CHECK(ok) << "windowed reservation after the availability check failed";
  return m;
}

bool Scheduler::TryAdmit(SchedState* s) {
  CHECK_EQ(s->table.num_blocks(), 0);
  const int total = static_cast<int>(s->tokens.size());
  CHECK_GT(total, 0);
  // A resumed beam shares the full blocks of its longest common computed
  // prefix with a running sibling.
  const SchedState* sibling = nullptr;
  int shared_blocks = 0;
  if (s->group != nullptr) {
    for (const SchedState* m : *s->group) {
      if (m == s || !m->running) continue;
      const int limit = std::min(m->num_computed, total - 1);
      int common = 0;
      while (common < limit && m->tokens[common] == s->tokens[common]) {
        ++common;
      }
      const int full = BlockTable::AdoptablePrefix(
          *blocks_, m->table, common / blocks_->block_size());
      if (full > shared_blocks) {
        shared_blocks = full;
        sibling = m;
      }
    }
  }
  // Conservative check before touching the prefix cache (so a sequence
  // waiting for room does not count lookups every step): room for the whole
  // sequence as if nothing were cached, keeping a small watermark free for
  // the decodes of running sequences.
  const int watermark =
      running_.empty() ? 0 : std::max(1, blocks_->num_blocks() / 100);
  if (s->table.BlocksNeeded(*blocks_, total) - shared_blocks + watermark >
      blocks_->num_available_blocks()) {
    return false;
  }
  // Sliding-window layers need min(window, length) positions at a time
  // (any alignment), plus the same kind of watermark.
  if (blocks_->has_windowed()) {
    const int bs = blocks_->block_size();
    const int need =
        std::min((total + bs - 1) / bs, (blocks_->window() + bs - 2) / bs + 1);
    const int wmark =
        running_.empty()
            ? 0
            : std::max(1, blocks_->num_blocks(BlockKind::kWindowed) / 100);
    if (need + wmark > blocks_->num_available_blocks(BlockKind::kWindowed)) {
      return false;
    }
  }
  if (sibling != nullptr) {
    s->table.AdoptPrefix(*blocks_, sibling->table, shared_blocks);
    s->num_cached = 0;
    s->num_computed = shared_blocks * blocks_->block_size();
  } else {
    // Placeholder ids are the same for every media item: no reuse from the
    // first one on.
    const int limit =
        s->media_begin >= 0 ? std::min(total - 1, s->media_begin) : total - 1;
    s->num_cached = s->table.MatchPrefix(*blocks_, s->tokens, limit);
    s->num_computed = s->num_cached;
  }
  const bool ok = s->table.Reserve(*blocks_, total);
  CHECK(ok) << "reservation after the availability check failed";
  return true;
}

bool Scheduler::MakeWritable(SchedState* s, StepPlan& plan) {
  const int bs = blocks_->block_size();
  const int index = s->num_computed / bs;
  for (BlockKind kind : {BlockKind::kFull, BlockKind::kWindowed}) {
    const std::vector<int>& list =
        kind == BlockKind::kFull ? s->table.blocks() : s->table.window_blocks();
    if (index >= static_cast<int>(list.size())) continue;
    const int block = list[index];
    if (block < 0 || blocks_->RefCount(block, kind) == 1) continue;
    // Shared with a fork (a sibling beam): copy the filled part first.
    std::optional<int> fresh = blocks_->Allocate(kind);
    if (!fresh.has_value()) return false;
    plan.copies.push_back({block, *fresh, s->num_computed % bs, kind});
    s->table.ReplaceBlock(*blocks_, index, *fresh, kind);
  }
  return true;
}

void Scheduler::AddRunning(SchedState* seq, uint64_t admit_order) {
  seq->admit_order = admit_order;
  seq->running = true;
  running_.insert(
      std::upper_bound(running_.begin(), running_.end(), seq,
                       [](const SchedState* a, const SchedState* b) {
                         return a->admit_order < b->admit_order;
                       }),
      seq);
}

bool Scheduler::PreemptNewest(StepPlan& plan) {
  if (running_.empty()) return false;
  SchedState* newest = running_.back();
  std::vector<SchedState*> victims = {newest};
  if (newest->group != nullptr) victims = *newest->group;
  for (SchedState* victim : victims) {
    if (!victim->running) continue;
    running_.erase(std::find(running_.begin(), running_.end(), victim));
    plan.items.erase(std::remove_if(plan.items.begin(), plan.items.end(),
                                    [victim](const StepItem& it) {
                                      return it.seq == victim;
                                    }),
                     plan.items.end());
    victim->table.ReleaseAll(*blocks_);
    victim->num_computed = 0;
    victim->num_cached = 0;
    victim->running = false;
    ++victim->num_preemptions;
    ++preemptions_total_;
    preempted_.insert(
        std::upper_bound(preempted_.begin(), preempted_.end(), victim,
                         [](const SchedState* a, const SchedState* b) {
                           return a->admit_order < b->admit_order;
                         }),
        victim);
    plan.preempted.push_back(victim);
  }
  return true;
}

void Scheduler::Advance(const StepItem& item) {
  SchedState* s = item.seq;
  CHECK_EQ(item.start, s->num_computed);
  s->num_computed += item.count;
  s->table.PublishComputed(*blocks_, s->tokens,
                           s->media_begin >= 0
                               ? std::min(s->num_computed, s->media_begin)
                               : s->num_computed);
  // Sliding-window blocks no later query can see go back to the pool.
  s->table.ReleaseOutOfWindow(*blocks_, s->num_computed);
}

KvPoolSizes PlanKvPools(int64_t budget_tokens, int block_size,
                        int64_t full_bytes, int64_t windowed_bytes, int window,
                        const SchedulerOptions& options,
                        int longest_unsplittable) {
  KvPoolSizes sizes;
  sizes.block_size = block_size;
  const int64_t budget_blocks = budget_tokens / block_size;
  if (windowed_bytes <= 0 || window <= 0) {
    sizes.full_blocks = static_cast<int>(budget_blocks);
    return sizes;
  }
  sizes.window = window;
  // Each running sequence: the blocks a window spans at any alignment, the
  // block being written and one being copied; prefill chunks of one step:
  // up to the token budget (plus the minimum prefill), or one chunk that
  // cannot be split, on top.
  const int64_t per_seq = (window + block_size - 2) / block_size + 3;
  const int64_t chunk_tokens = std::max<int64_t>(
      int64_t{options.max_batch_tokens} + options.min_prefill_tokens,
      longest_unsplittable);
  const int64_t chunks = (chunk_tokens + block_size - 1) / block_size + 1;
  const int64_t want = per_seq * options.max_running + chunks;
  sizes.windowed_blocks = static_cast<int>(std::min(budget_blocks, want));
  if (full_bytes <= 0) {
    sizes.full_blocks = static_cast<int>(budget_blocks);
    return sizes;
  }
  // The bytes the windowed pool does not take go to the full pool.
  sizes.full_blocks =
      static_cast<int>(budget_blocks + (budget_blocks - sizes.windowed_blocks) *
                                           windowed_bytes / full_bytes);
  return sizes;
}

void Scheduler::Finish(SchedState* seq) {
  auto it = std::find(running_.begin(), running_.end(), seq);
  if (it != running_.end()) {
    running_.erase(it);
  } else {
    auto pit = std::find(preempted_.begin(), preempted_.end(), seq);
    if (pit != preempted_.end()) preempted_.erase(pit);
  }
  seq->table.ReleaseAll(*blocks_);
  seq->running = false;
}

}  // namespace gemma::engine
