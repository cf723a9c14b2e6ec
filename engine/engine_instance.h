// One instance of one model: its engine thread, KV block pool, waiting
// queue and continuous-batching loop.
//
// Submit() validates the request (building each prompt's Sequence), queues
// it under the admission bounds and returns; everything else happens on the
// instance's own engine thread, which
//   - ends cancelled and expired work (waiting or running) at every step,
//   - asks the Scheduler for the step's batch (decode tokens, prefill
//     chunks, admissions, preemptions),
//   - runs one ragged forward pass over it (BatchRunner),
//   - lets each sequence pick its token with its own sampler and RNG,
//   - streams chunks and results to the request's sink.
// Sinks are called from the engine thread only. The engine thread sets the
// OpenMP thread count of its math to the instance's share of the cores.
//
// Thread-safety: Submit, Stats, Load and InFlight may be called from any
// thread. Destruction stops the thread; work still outstanding then ends
// with FinishReason::kError / UNAVAILABLE.
#ifndef GEMMA_ENGINE_ENGINE_INSTANCE_H_
#define GEMMA_ENGINE_ENGINE_INSTANCE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/batch_runner.h"
#include "engine/block_manager.h"
#include "engine/engine.h"
#include "engine/generation_params.h"
#include "engine/media_encoder.h"
#include "engine/media_step.h"
#include "engine/request.h"
#include "engine/scheduler.h"
#include "engine/waiting_queue.h"
#include "tokenizer/tokenizer.h"

namespace gemma::engine {

struct InstanceOptions {
  int index = 0;        // Instance number within its model.
  int num_threads = 1;  // OpenMP threads for this instance's math.
  // KV pool size in token positions (each position holds every cached
  // layer's K and V). Rounded down to whole blocks.
  int64_t kv_cache_tokens = 16384;
  int block_size = 16;
  bool prefix_cache = true;
  SchedulerOptions scheduler;
  QueueLimits queue;
};

// What an instance needs to know about its model besides the math.
// Borrowed pointers must outlive the instance.
struct ModelTraits {
  std::string name;
  const tokenizer::Tokenizer* tokenizer = nullptr;  // Not null.
  ModelLimits limits;
  StopTokenDefaults stop_defaults;
  bool strip_audio_tokens = true;
  // The model's vision/audio towers (shared by its instances); null for a
  // text-only model, which refuses prompts with media.
  std::shared_ptr<const MediaEncoder> media;
};

class EngineInstance {
 public:
  // Starts the engine thread. `runner` is the instance's own forward pass
  // and KV storage, sized for options.kv_cache_tokens.
  static absl::StatusOr<std::unique_ptr<EngineInstance>> Create(
      ModelTraits traits, std::unique_ptr<BatchRunner> runner,
      InstanceOptions options);
  ~EngineInstance();
  EngineInstance(const EngineInstance&) = delete;
  EngineInstance& operator=(const EngineInstance&) = delete;

  // See Engine::Submit. `request.model` is not checked here.
  absl::Status Submit(Request request);
  EngineStats Stats() const;
  // Routing load: waiting plus running sequences.
  int Load() const;
  // Accepted requests not yet finished.
  int InFlight() const { return in_flight_.load(); }
  // Submit refuses new work with UNAVAILABLE from now on.
  void StartDraining() { draining_.store(true); }
  const InstanceOptions& options() const { return options_; }

 private:
  struct RequestState;
  struct ActiveSeq;
  struct BeamGroup;
  class QueueSource;

  EngineInstance(ModelTraits traits, std::unique_ptr<BatchRunner> runner,
                 InstanceOptions options, int num_blocks);
  void Loop();
  // One scheduling step; false when there was nothing to run.
  bool Step();
  // Ends waiting requests that were cancelled or whose deadline passed.
  void ReapWaiting();
  // Ends running/preempted sequences that were cancelled or expired.
  void ReapRunning();
  // Sends `seq`'s pending chunk, and its result when finished; releases its
  // blocks and bookkeeping once finished.
  void Deliver(ActiveSeq* seq);
  // Retires a leader and, for beam search, all its beams.
  void Retire(ActiveSeq* seq);
  // Beam search (engine_beams.cc): the prompt's logits start the beams
  // (forks sharing the prompt's blocks); once every beam has its row, the
  // sequence picks the next beams and each takes its parent's blocks.
  static bool IsBeamSearch(const ActiveSeq& leader);
  void StartBeams(ActiveSeq* leader, absl::Span<const float> logits);
  void StepBeams(ActiveSeq* leader);
  // Contrastive search (engine_instance_contrastive.cc): the prompt's
  // prefill collects its hidden states; its last logits give the first k
  // candidates, each a sequence of its own (forks sharing the blocks, like
  // beams) that feeds its candidate token in the same batched step; once
  // every candidate has its row, the sequence keeps the best and every
  // candidate sequence takes a fork of the winner's blocks for the next
  // candidates.
  static bool IsContrastive(const ActiveSeq& leader);
  // Sets hidden->all_rows, per plan item: whether the step needs every
  // row's hidden state (a contrastive prompt being prefilled); empty when
  // the step needs no hidden states at all. Clears its outputs.
  void HiddenRowsWanted(const StepPlan& plan, StepHidden* hidden) const;
  // Takes a contrastive item's hidden rows (and logits, when it has them)
  // after the forward pass; adds a leader whose candidates are all in to
  // `ready`.
  void TakeContrastiveRows(ActiveSeq* seq, const StepItem& item,
                           absl::Span<const float> logits,
                           absl::Span<const float> hidden, int hidden_dim,
                           std::vector<ActiveSeq*>* ready);
  void StartContrastive(ActiveSeq* leader, absl::Span<const float> logits);
  void StepContrastive(ActiveSeq* leader);
  // Points every member of `leader`'s group at a fork of `winner`'s blocks
  // with its own candidate token next.
  void ForkCandidates(ActiveSeq* leader, ActiveSeq* winner);
  // Ends a not-yet-admitted prompt of a request.
  void EndUnstarted(RequestState* req, int prompt, FinishReason reason,
                    absl::Status status);
  void PromptDone(RequestState* req);
  // Calls the sinks with what the step produced (after its stats are
  // published, so a caller that sees OnDone also sees the freed blocks).
  void FlushOutbox();
  // Publishes the engine thread's state for Stats(); `plan` (may be null)
  // is the step just run.
  void PublishStats(const StepPlan* plan, absl::Duration step_time);

  const ModelTraits traits_;
  const InstanceOptions options_;
  std::unique_ptr<BatchRunner> runner_;  // Engine thread only.
  std::vector<float> step_logits_;       // Engine thread only; reused.
  StepHidden step_hidden_;               // Engine thread only; reused.
  BlockManager blocks_;                  // Engine thread only.
  Scheduler scheduler_;                  // Engine thread only.
  std::unique_ptr<QueueSource> source_;  // Engine thread only.
  MediaStepper media_;  // Engine thread only, except CountRequest.
  // Sequences the engine thread owns (running or preempted).
  std::vector<std::unique_ptr<ActiveSeq>> active_;
  struct Delivery {
    std::shared_ptr<RequestSink> sink;
    std::optional<GenerationChunk> chunk;
    std::optional<GenerationResult> result;
  };
  std::vector<Delivery> outbox_;  // Engine thread only.

  mutable absl::Mutex mu_;
  WaitingQueue<std::shared_ptr<RequestState>> waiting_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  EngineStats stats_ ABSL_GUARDED_BY(mu_);
  double tokens_per_second_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t seed_state_ ABSL_GUARDED_BY(mu_);

  std::atomic<int> in_flight_{0};
  std::atomic<int> running_seqs_{0};
  std::atomic<bool> draining_{false};
  std::thread thread_;  // Last: starts after everything above exists.
};

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_ENGINE_INSTANCE_H_
