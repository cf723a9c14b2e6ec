// Contrastive search inside the batching engine (spec §5.5, "Contrastive
// details"; keras-hub's ContrastiveSampler):
//  - the prompt's prefill chunks return the final-normed hidden state of
//    every row, which the Sequence keeps (its history);
//  - the prompt's last logits give the top-k candidates; each candidate is
//    a sequence of its own in the batch (the leader is candidate 0, the
//    others are forks sharing every block, as beams do), whose next token
//    is its candidate, so the k candidate rows ride in the step's one
//    batched forward pass; the scheduler copies the shared partly filled
//    block before a candidate writes into it (copy-on-write), so no
//    candidate's K/V touches another's;
//  - once every candidate has its row (logits and hidden state), the
//    Sequence scores them against its history and keeps the best; every
//    candidate sequence then takes a fork of the winner's blocks (which
//    hold the winner's K/V at the new position), and the winner's logits
//    give the next candidates. Losers' private blocks return to the pool.
// Until the prompt's hidden states are all in, the prefix cache may serve
// only positions whose states the sequence holds (SchedState::media_begin
// bounds both its lookups and what it publishes), since a cached position
// has no hidden state.
#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "base/logging.h"
#include "engine/engine_instance.h"
#include "engine/engine_instance_internal.h"

namespace gemma::engine {

bool EngineInstance::IsContrastive(const ActiveSeq& leader) {
  return leader.gen != nullptr &&
         leader.gen->config().sampling.kind == model::SamplerKind::kContrastive;
}

void EngineInstance::HiddenRowsWanted(const StepPlan& plan,
                                      StepHidden* hidden) const {
  std::vector<char>& all_rows = hidden->all_rows;
  all_rows.clear();
  hidden->row_begin.clear();
  hidden->rows.clear();
  bool any = false;
  for (const StepItem& item : plan.items) {
    const ActiveSeq* leader = static_cast<const ActiveSeq*>(item.seq)->leader;
    const bool contrastive = IsContrastive(*leader);
    any = any || contrastive;
    // Before the candidates start, the item is a prefill chunk of the
    // prompt: the states of all its positions go into the history.
    all_rows.push_back(contrastive && leader->beam_group == nullptr);
  }
  if (!any) all_rows.clear();
}

void EngineInstance::TakeContrastiveRows(ActiveSeq* seq, const StepItem& item,
                                         absl::Span<const float> logits,
                                         absl::Span<const float> hidden,
                                         int hidden_dim,
                                         std::vector<ActiveSeq*>* ready) {
  ActiveSeq* leader = seq->leader;
  Sequence& gen = *leader->gen;
  if (gen.finished()) return;
  const size_t dim = static_cast<size_t>(hidden_dim);
  if (leader->beam_group == nullptr) {
    // Prompt prefill: rows of positions [item.start, item.start + count).
    const int held = gen.num_hidden_states();
    const int skip = held - item.start;
    if (skip < 0 || hidden.size() != dim * item.count) {
      gen.Abort(FinishReason::kError,
                absl::InternalError(absl::StrFormat(
                    "contrastive search is missing the hidden states of "
                    "positions %d..%d",
                    held, item.start - 1)));
      return;
    }
    if (skip < item.count) gen.AddHiddenStates(hidden.subspan(skip * dim), dim);
    leader->media_begin = gen.num_hidden_states();
    if (!logits.empty()) StartContrastive(leader, logits);
    return;
  }
  if (logits.empty()) return;  // A resumed candidate's earlier chunk.
  if (hidden.size() < dim) {
    gen.Abort(FinishReason::kError,
              absl::InternalError("contrastive candidate without its hidden "
                                  "state"));
    return;
  }
  BeamGroup& g = *leader->beam_group;
  g.rows[seq->beam].assign(logits.begin(), logits.end());
  g.hidden.resize(g.beams.size() * dim);
  std::copy(hidden.end() - dim, hidden.end(),
            g.hidden.begin() + seq->beam * dim);
  g.have[seq->beam] = 1;
  if (std::find(ready->begin(), ready->end(), leader) == ready->end()) {
    ready->push_back(leader);
  }
}

void EngineInstance::StartContrastive(ActiveSeq* leader,
                                      absl::Span<const float> logits) {
  Sequence& gen = *leader->gen;
  const int n =
      static_cast<int>(gen.StartContrastiveStep(logits).tokens.size());
  auto group = std::make_unique<BeamGroup>();
  group->rows.resize(n);
  group->have.assign(n, 0);
  group->beams.push_back(leader);
  for (int c = 1; c < n; ++c) {
    auto cand = std::make_unique<ActiveSeq>();
    cand->req = leader->req;
    cand->prompt = leader->prompt;
    cand->admitted = leader->admitted;
    cand->first_token = leader->first_token;
    cand->cached_tokens = leader->cached_tokens;
    cand->leader = leader;
    cand->beam = c;
    scheduler_.AddRunning(cand.get(), leader->admit_order);
    group->beams.push_back(cand.get());
    active_.push_back(std::move(cand));
  }
  group->members.assign(group->beams.begin(), group->beams.end());
  for (ActiveSeq* m : group->beams) m->group = &group->members;
  leader->beam_group = std::move(group);
  // Every position has its hidden state now: the prefix cache may serve
  // and take all of them.
  leader->media_begin = -1;
  ForkCandidates(leader, leader);
}

void EngineInstance::StepContrastive(ActiveSeq* leader) {
  BeamGroup& g = *leader->beam_group;
  Sequence& gen = *leader->gen;
  std::fill(g.have.begin(), g.have.end(), 0);
  const int winner = gen.FinishContrastiveStep(g.hidden);
  if (!leader->first_token.has_value()) leader->first_token = absl::Now();
  if (gen.finished()) return;  // Delivered and retired by the caller.
  gen.StartContrastiveStep(g.rows[winner]);
  ForkCandidates(leader, g.beams[winner]);
}

void EngineInstance::ForkCandidates(ActiveSeq* leader, ActiveSeq* winner) {
  BeamGroup& g = *leader->beam_group;
  const Sequence& gen = *leader->gen;
  const std::vector<int32_t>& cands = gen.contrastive_candidates().tokens;
  const int n = static_cast<int>(g.beams.size());
  CHECK_EQ(static_cast<int>(cands.size()), n);
  // Every member was running when its row arrived this step (a preempted
  // member loses its row), so the winner holds its blocks, K/V of the
  // chosen token included.
  CHECK(winner->running) << "contrastive winner without blocks";
  std::vector<BlockTable> tables(n);
  for (int c = 0; c < n; ++c) tables[c] = winner->table.Fork(blocks_);
  const int computed = winner->num_computed;
  CHECK_EQ(computed, gen.length());
  for (int c = 0; c < n; ++c) {
    ActiveSeq* m = g.beams[c];
    m->table.ReleaseAll(blocks_);
    m->table = std::move(tables[c]);
    m->num_computed = computed;
    // The sequence so far and the candidate, in the member's own buffer.
    m->tokens.assign(gen.prompt_ids().begin(), gen.prompt_ids().end());
    m->tokens.insert(m->tokens.end(), gen.generated_ids().begin(),
                     gen.generated_ids().end());
    m->tokens.push_back(cands[c]);
  }
}

}  // namespace gemma::engine
