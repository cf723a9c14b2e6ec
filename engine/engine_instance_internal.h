// Internal records of an EngineInstance, shared by its source files
// (engine_instance.cc, engine_beams.cc, engine_instance_contrastive.cc). Not
// part of the engine's API. Thread-safety: owned and used by the instance's
// engine thread, except RequestState between Submit and the queue (handed over
// under the lock).
#ifndef GEMMA_ENGINE_ENGINE_INSTANCE_INTERNAL_H_
#define GEMMA_ENGINE_ENGINE_INSTANCE_INTERNAL_H_

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "engine/engine_instance.h"
#include "engine/request.h"
#include "engine/scheduler.h"
#include "engine/sequence.h"

namespace gemma::engine {

// A request between Submit and its last OnDone.
struct EngineInstance::RequestState {
  Request request;
  // One per prompt, built (and validated) by Submit; moved out when the
  // prompt is admitted.
  std::vector<std::unique_ptr<Sequence>> gens;
  int next_prompt = 0;  // Prompts admitted (or ended) so far.
  int prompts_left = 0;
  int64_t prompt_tokens = 0;
  absl::Time enqueued;

  bool cancelled() const {
    return request.cancel != nullptr && request.cancel->cancelled();
  }
};

// A prompt that was admitted: running, or preempted and waiting to resume.
// With beam search, a prompt runs as one ActiveSeq per beam, with
// contrastive search as one per candidate; the first (the leader) owns the
// Sequence and the group.
struct EngineInstance::ActiveSeq : SchedState {
  std::shared_ptr<RequestState> req;
  int prompt = 0;
  std::unique_ptr<Sequence> gen;  // Null on beams other than the leader.
  absl::Time admitted;
  std::optional<absl::Time> first_token;
  std::optional<int> cached_tokens;  // At the first admission.
  // Leader of a beam or (once its prompt is computed) contrastive search.
  std::unique_ptr<BeamGroup> beam_group;
  ActiveSeq* leader = this;
  int beam = 0;  // Index in the leader's group.
};

// The beams of one prompt (or the candidate sequences of a contrastive
// search): each member's logits row of the current step.
struct EngineInstance::BeamGroup {
  std::vector<ActiveSeq*> beams;     // beams[0] is the leader.
  std::vector<SchedState*> members;  // The same, as the scheduler sees them.
  std::vector<std::vector<float>> rows;
  // Contrastive search: the members' final-normed hidden states, one row
  // of hidden_dim each, in member order.
  std::vector<float> hidden;
  std::vector<char> have;
  bool Complete() const {
    return std::all_of(have.begin(), have.end(), [](char h) { return h; });
  }
};

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_ENGINE_INSTANCE_INTERNAL_H_
