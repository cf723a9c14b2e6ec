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
  for (size_t i = 0; i < running_.size(); ++i) {
    SchedState* s = running_[i];
    if (!s->decoding()) continue;
    while (!s->table.Reserve(*blocks_, s->num_computed + 1)) {
      PreemptNewest(plan);
      if (!s->running) break;
    }
    if (!s->running) break;  // It was the newest: nothing after it is left.
    plan.items.push_back({s, s->num_computed, 1, true});
  }
  // 2. Prefill chunks of admitted sequences, under the token budget.
  int budget =
      std::max(options_.max_batch_tokens - static_cast<int>(plan.items.size()),
               options_.min_prefill_tokens);
  for (SchedState* s : running_) {
    if (budget <= 0) break;
    if (s->decoding()) continue;
    const int left = static_cast<int>(s->tokens.size()) - s->num_computed;
    const int n = std::min(left, budget);
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
    const int n = std::min(left, budget);
    plan.items.push_back({s, s->num_computed, n, n == left});
    budget -= n;
  }
  for (const StepItem& item : plan.items) plan.num_tokens += item.count;
  return plan;
}

bool Scheduler::TryAdmit(SchedState* s) {
  CHECK_EQ(s->table.num_blocks(), 0);
  const int total = static_cast<int>(s->tokens.size());
  CHECK_GT(total, 0);
  // Conservative check before touching the prefix cache (so a sequence
  // waiting for room does not count lookups every step): room for the whole
  // sequence as if nothing were cached, keeping a small watermark free for
  // the decodes of running sequences.
  const int watermark =
      running_.empty() ? 0 : std::max(1, blocks_->num_blocks() / 100);
  if (s->table.BlocksNeeded(*blocks_, total) + watermark >
      blocks_->num_available_blocks()) {
    return false;
  }
  s->num_cached = s->table.MatchPrefix(*blocks_, s->tokens, total - 1);
  s->num_computed = s->num_cached;
  const bool ok = s->table.Reserve(*blocks_, total);
  CHECK(ok) << "reservation after the availability check failed";
  return true;
}

bool Scheduler::PreemptNewest(StepPlan& plan) {
  if (running_.empty()) return false;
  SchedState* victim = running_.back();
  running_.pop_back();
  plan.items.erase(
      std::remove_if(plan.items.begin(), plan.items.end(),
                     [victim](const StepItem& it) { return it.seq == victim; }),
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
  return true;
}

void Scheduler::Advance(const StepItem& item) {
  SchedState* s = item.seq;
  CHECK_EQ(item.start, s->num_computed);
  s->num_computed += item.count;
  s->table.PublishComputed(*blocks_, s->tokens, s->num_computed);
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
