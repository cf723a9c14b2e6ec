// Beam search inside the batching engine (spec §5.5, "Beam details"): each
// beam is a sequence of its own in the batch, with its own block table; the
// beams of a prompt share the prompt's blocks and, after every reordering,
// their parents' blocks (refcounts), and the scheduler copies a shared,
// partly filled block before a beam writes into it (copy-on-write).
#include <utility>
#include <vector>

#include "base/logging.h"
#include "engine/engine_instance.h"
#include "engine/engine_instance_internal.h"

namespace gemma::engine {

bool EngineInstance::IsBeamSearch(const ActiveSeq& leader) {
  return leader.gen != nullptr &&
         leader.gen->config().sampling.kind == model::SamplerKind::kBeam;
}

void EngineInstance::StartBeams(ActiveSeq* leader,
                                absl::Span<const float> logits) {
  Sequence& gen = *leader->gen;
  // The first step scores the prompt's single row for every beam.
  gen.AcceptBeamLogits(logits);
  if (gen.finished()) return;
  const std::vector<std::vector<int32_t>>& beams = gen.beams();
  auto group = std::make_unique<BeamGroup>();
  const int n = static_cast<int>(beams.size());
  group->rows.resize(n);
  group->have.assign(n, 0);
  group->beams.push_back(leader);
  for (int b = 1; b < n; ++b) {
    auto beam = std::make_unique<ActiveSeq>();
    beam->req = leader->req;
    beam->prompt = leader->prompt;
    beam->admitted = leader->admitted;
    beam->first_token = leader->first_token;
    beam->cached_tokens = leader->cached_tokens;
    beam->leader = leader;
    beam->beam = b;
    beam->table = leader->table.Fork(blocks_);
    beam->num_computed = leader->num_computed;
    beam->tokens = gen.prompt_ids();
    beam->tokens.insert(beam->tokens.end(), beams[b].begin(), beams[b].end());
    scheduler_.AddRunning(beam.get(), leader->admit_order);
    group->beams.push_back(beam.get());
    active_.push_back(std::move(beam));
  }
  leader->tokens = gen.prompt_ids();
  leader->tokens.insert(leader->tokens.end(), beams[0].begin(), beams[0].end());
  group->members.assign(group->beams.begin(), group->beams.end());
  for (ActiveSeq* beam : group->beams) beam->group = &group->members;
  leader->beam_group = std::move(group);
}

void EngineInstance::StepBeams(ActiveSeq* leader) {
  BeamGroup& g = *leader->beam_group;
  Sequence& gen = *leader->gen;
  const int n = static_cast<int>(g.beams.size());
  std::vector<float> logits;
  logits.reserve(g.rows[0].size() * n);
  for (const std::vector<float>& r : g.rows) {
    logits.insert(logits.end(), r.begin(), r.end());
  }
  std::fill(g.have.begin(), g.have.end(), 0);
  const std::vector<int> parents = gen.AcceptBeamLogits(logits);
  if (gen.finished()) return;  // Delivered and retired by the caller.
  // Every beam was running when its row arrived this step (a preempted
  // beam loses its row), so every parent holds its blocks: beam b takes a
  // fork of its parent's table.
  std::vector<BlockTable> tables(n);
  std::vector<int> computed(n);
  for (int b = 0; b < n; ++b) {
    ActiveSeq* parent = g.beams[parents[b]];
    CHECK(parent->running) << "beam parent without blocks";
    tables[b] = parent->table.Fork(blocks_);
    computed[b] = parent->num_computed;
  }
  const std::vector<std::vector<int32_t>>& beams = gen.beams();
  for (int b = 0; b < n; ++b) {
    ActiveSeq* beam = g.beams[b];
    beam->table.ReleaseAll(blocks_);
    beam->table = std::move(tables[b]);
    beam->num_computed = computed[b];
    beam->tokens = gen.prompt_ids();
    beam->tokens.insert(beam->tokens.end(), beams[b].begin(), beams[b].end());
  }
}

}  // namespace gemma::engine
