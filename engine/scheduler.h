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
//     streams keep flowing); while any sequence decodes, the budget is also
//     cut to what keeps the step within max_itl_stretch times the decodes'
//     own time, as the steps observed so far predict it (step_cost.h);
//  3. preempted sequences resume first, then waiting ones are admitted while
//     the budget, the running-sequence limit and the pool allow. Admission
//     reserves full blocks for the whole prompt, reusing prefix-cache
//     blocks; with a windowed pool (sliding-window layers) it counts their
//     need as min(window, length), and each chunk reserves the windowed
//     blocks it writes and reads (a chunk that does not fit is shortened).
// After the step the caller reports progress (Advance: sliding-window
// blocks every future query's window has passed return to the pool) and
// removes finished sequences (Finish), which releases their blocks.
//
// Thread-safety: not thread-safe; owned by the engine thread.
#ifndef GEMMA_ENGINE_SCHEDULER_H_
#define GEMMA_ENGINE_SCHEDULER_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "engine/block_manager.h"
#include "engine/block_table.h"
#include "engine/step_cost.h"

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
  // The beams of one beam search (this one included), or null. A group is
  // preempted as a whole, and a resumed member shares the full blocks of
  // its prefix with a running member instead of recomputing them.
  const std::vector<SchedState*>* group = nullptr;
  // Multimodal prompts (engine/media_step.h): position ranges a prefill
  // chunk may not split (an image's soft tokens under vision-bidirectional
  // attention), in order; and the first media position (-1: none), from
  // which on the prefix cache is neither consulted nor filled.
  std::vector<std::pair<int, int>> unsplittable;
  int media_begin = -1;

  // True once every prompt/known token has its K/V except the last one,
  // i.e. the next step feeds exactly one token.
  bool decoding() const {
    return num_computed + 1 >= static_cast<int>(tokens.size());
  }
  // Every known token is computed: the sequence waits (a beam whose group
  // has not picked its next tokens yet) and is not fed.
  bool idle() const { return num_computed >= static_cast<int>(tokens.size()); }
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
  // While sequences decode, a step that also prefills may take at most this
  // many times as long as their decodes alone (predicted from the steps
  // observed so far): bounds how much admitting new prompts stretches the
  // inter-token latency of running streams. <= 1: no bound beyond
  // max_batch_tokens.
  double max_itl_stretch = 1.5;
};

struct StepItem {
  SchedState* seq = nullptr;
  int start = 0;  // First position fed (== seq->num_computed).
  int count = 0;  // Tokens fed: tokens[start, start + count).
  // The chunk reaches the last known token: its logits pick the next one.
  bool wants_logits = false;
};

// Copy-on-write of a block shared by forked sequences: before the step
// writes, the first `positions` positions of `src` are copied to `dst`
// (block ids of the pool of `kind`).
struct BlockCopy {
  int src = 0;
  int dst = 0;
  int positions = 0;
  BlockKind kind = BlockKind::kFull;
};

// Splits an instance's KV memory between the full pool and the windowed
// pool. `budget_tokens` positions of every cached layer (the memory the
// flag asks for) become: a windowed pool as large as the running sequences
// can use at once (each holds at most its window plus the blocks being
// written; prefill chunks add up to the step's token budget), capped at
// the budget's own size, and a full pool that takes the rest of the bytes.
// `full_bytes` and `windowed_bytes` are the bytes one position takes in
// each kind of layer; windowed_bytes == 0 or window == 0: one full pool.
// `longest_unsplittable` is the longest run of positions one chunk must
// take whole (an image's soft tokens), which may exceed the token budget.
KvPoolSizes PlanKvPools(int64_t budget_tokens, int block_size,
                        int64_t full_bytes, int64_t windowed_bytes, int window,
                        const SchedulerOptions& options,
                        int longest_unsplittable = 0);

struct StepPlan {
  std::vector<BlockCopy> copies;  // Run before the forward pass.
  std::vector<StepItem> items;
  // Sequences that lost their blocks this step (requeued internally).
  std::vector<SchedState*> preempted;
  int num_tokens = 0;
  // The first decode_rows items feed one token to a decoding sequence; the
  // rest are prefill chunks.
  int decode_rows = 0;
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
  // Records the wall time of `plan`'s forward pass (the engine times only
  // the pass: media encoding comes before it).
  void ObserveStep(const StepPlan& plan, double seconds);
  // Adds a sequence that already holds its blocks (a beam forked from a
  // running one) to the running set, as old as `admit_order`.
  void AddRunning(SchedState* seq, uint64_t admit_order);

  const std::vector<SchedState*>& running() const { return running_; }
  const std::deque<SchedState*>& preempted() const { return preempted_; }
  int64_t preemptions_total() const { return preemptions_total_; }
  BlockManager& blocks() { return *blocks_; }
  const SchedulerOptions& options() const { return options_; }

 private:
  // Preempts the newest running sequence; false if none is left.
  bool PreemptNewest(StepPlan& plan);
  // Gives `s` its own copy of the block its next position lands in when that
  // block is shared (copy-on-write); false if the pool is dry.
  bool MakeWritable(SchedState* s, StepPlan& plan);
  // Tokens of the next prefill chunk of `s` under `budget`, moved so that
  // it does not end inside one of its unsplittable ranges.
  static int ChunkLength(const SchedState& s, int budget);
  // Tries to start `seq` (fresh or resumed); false (nothing held) if the
  // pool cannot hold its tokens.
  bool TryAdmit(SchedState* seq);
  // Shortens a prefill chunk of `n` tokens of `s` to what the windowed pool
  // can hold and reserves those blocks; 0 when nothing fits.
  int FitWindow(SchedState* s, int n);

  SchedulerOptions options_;
  BlockManager* blocks_;
  std::vector<SchedState*> running_;   // Admission order.
  std::deque<SchedState*> preempted_;  // Oldest admission first.
  uint64_t next_admit_ = 0;
  int64_t preemptions_total_ = 0;
  StepCostModel cost_;
};

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_SCHEDULER_H_
