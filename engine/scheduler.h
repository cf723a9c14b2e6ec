// The continuous-batching policy of one engine instance: which sequences run
// in the next step, with how many tokens each, and which must give up their
// KV blocks.
//
// Each step (Plan):
//  1. every running sequence whose prompt is computed decodes one token;
//     when the pool has no block for it, the newest running sequence is
//     preempted (its blocks return to the pool; it is recomputed later),
//     never the others;
//  2. sequences still prefilling continue in chunks under the per-step token
//     budget (prompts longer than the budget span several steps, so running
//     streams keep flowing);
//  3. preempted sequences resume first, then waiting ones are admitted while
//     the budget, the running-sequence limit and the pool allow. Admission
//     reserves blocks for the whole prompt, reusing prefix-cache blocks.
// After the step the caller reports progress (Advance) and removes finished
// sequences (Finish), which releases their blocks.
//
// Thread-safety: not thread-safe; owned by the engine thread.
#ifndef GEMMA_ENGINE_SCHEDULER_H_
#define GEMMA_ENGINE_SCHEDULER_H_

#include <cstdint>
#include <deque>
#include <vector>

#include "engine/block_manager.h"
#include "engine/block_table.h"

namespace gemma::engine {

// What the scheduler knows of a sequence. The engine's per-sequence record
// derives from it; the scheduler never owns sequences.
struct SchedState {
  virtual ~SchedState() = default;

  // Prompt plus generated tokens; the K/V of positions [0, num_computed)
  // are in the blocks of `table`.
  std::vector<int32_t> tokens;
  int num_computed = 0;
  // Positions served by the prefix cache at the latest admission.
  int num_cached = 0;
  BlockTable table;
  uint64_t admit_order = 0;
  int num_preemptions = 0;
  bool running = false;

  // True once every prompt/known token has its K/V except the last one,
  // i.e. the next step feeds exactly one token.
  bool decoding() const {
    return num_computed + 1 >= static_cast<int>(tokens.size());
  }
};

// Where new sequences come from (the engine's waiting queue).
class AdmissionSource {
 public:
  virtual ~AdmissionSource() = default;
  // The next sequence to admit, or nullptr. Stable until Pop().
  virtual SchedState* Peek() = 0;
  // The peeked sequence was admitted.
  virtual void Pop() = 0;
};

struct SchedulerOptions {
  // Tokens per step (decode tokens plus prefill chunks), a flag.
  int max_batch_tokens = 512;
  // Prefill tokens a step always gets, even when decodes use the budget.
  int min_prefill_tokens = 16;
  // Sequences running at once.
  int max_running = 64;
};

struct StepItem {
  SchedState* seq = nullptr;
  int start = 0;  // First position fed (== seq->num_computed).
  int count = 0;  // Tokens fed: tokens[start, start + count).
  // The chunk reaches the last known token: its logits pick the next one.
  bool wants_logits = false;
};

struct StepPlan {
  std::vector<StepItem> items;
  // Sequences that lost their blocks this step (requeued internally).
  std::vector<SchedState*> preempted;
  int num_tokens = 0;
  bool empty() const { return items.empty(); }
};

class Scheduler {
 public:
  Scheduler(SchedulerOptions options, BlockManager* blocks);

  StepPlan Plan(AdmissionSource& waiting);

  // Records that the step computed `item.count` positions of `item.seq`.
  void Advance(const StepItem& item);
  // Removes a running or preempted sequence and releases its blocks.
  void Finish(SchedState* seq);

  const std::vector<SchedState*>& running() const { return running_; }
  const std::deque<SchedState*>& preempted() const { return preempted_; }
  int64_t preemptions_total() const { return preemptions_total_; }
  BlockManager& blocks() { return *blocks_; }
  const SchedulerOptions& options() const { return options_; }

 private:
  // Preempts the newest running sequence; false if none is left.
  bool PreemptNewest(StepPlan& plan);
  // Tries to start `seq` (fresh or resumed); false (nothing held) if the
  // pool cannot hold its tokens.
  bool TryAdmit(SchedState* seq);

  SchedulerOptions options_;
  BlockManager* blocks_;
  std::vector<SchedState*> running_;   // Admission order.
  std::deque<SchedState*> preempted_;  // Oldest admission first.
  uint64_t next_admit_ = 0;
  int64_t preemptions_total_ = 0;
};

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_SCHEDULER_H_
