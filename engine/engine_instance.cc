#include "engine/engine_instance.h"

#include <omp.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "engine/engine_instance_internal.h"
#include "engine/sequence.h"

namespace gemma::engine {

// Feeds the scheduler from the waiting queue, one prompt at a time.
class EngineInstance::QueueSource : public AdmissionSource {
 public:
  explicit QueueSource(EngineInstance* e) : e_(e) {}

  SchedState* Peek() override {
    if (peeked_ != nullptr) return peeked_.get();
    while (true) {
      std::shared_ptr<RequestState> req;
      {
        absl::MutexLock lock(&e_->mu_);
        if (e_->waiting_.empty()) return nullptr;
        req = e_->waiting_.Front();
      }
      const int p = req->next_prompt;
      if (req->gens[p]->finished()) {
        // No length budget left: done without running (spec: a sequence
        // with max_length == prompt length generates nothing).
        auto seq = std::make_unique<ActiveSeq>();
        seq->req = req;
        seq->prompt = p;
        seq->gen = std::move(req->gens[p]);
        seq->admitted = absl::Now();
        Advance(req);
        e_->Deliver(seq.get());
        continue;
      }
      peeked_ = std::make_unique<ActiveSeq>();
      peeked_->req = req;
      peeked_->prompt = p;
      peeked_->gen = std::move(req->gens[p]);
      peeked_->tokens = peeked_->gen->prompt_ids();
      e_->media_.Annotate(req->request.prompts[p], peeked_.get());
      // Contrastive search needs the hidden state of every prompt position;
      // the prefix cache has none (see engine_instance_contrastive.cc).
      if (IsContrastive(*peeked_)) peeked_->media_begin = 0;
      return peeked_.get();
    }
  }

  void Pop() override {
    CHECK(peeked_ != nullptr);
    peeked_->admitted = absl::Now();
    std::shared_ptr<RequestState> req = peeked_->req;
    e_->active_.push_back(std::move(peeked_));
    Advance(req);
  }

  // Returns a peeked-but-not-admitted prompt to its request.
  void Unpeek() {
    if (peeked_ == nullptr) return;
    peeked_->req->gens[peeked_->prompt] = std::move(peeked_->gen);
    peeked_.reset();
  }

 private:
  // The front request's next prompt was taken; dequeue it after its last.
  void Advance(const std::shared_ptr<RequestState>& req) {
    if (++req->next_prompt < static_cast<int>(req->gens.size())) return;
    absl::MutexLock lock(&e_->mu_);
    e_->waiting_.RemoveIf(
        [&req](const std::shared_ptr<RequestState>& r) { return r == req; });
  }

  EngineInstance* e_;
  std::unique_ptr<ActiveSeq> peeked_;
};

absl::StatusOr<std::unique_ptr<EngineInstance>> EngineInstance::Create(
    ModelTraits traits, std::unique_ptr<BatchRunner> runner,
    InstanceOptions options) {
  if (traits.tokenizer == nullptr || runner == nullptr) {
    return absl::InvalidArgumentError(
        "engine instance needs a tokenizer "
        "and a model");
  }
  if (options.block_size <= 0 || options.num_threads <= 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("block size (%d) and threads (%d) must be positive",
                        options.block_size, options.num_threads));
  }
  const int64_t num_blocks = options.kv_cache_tokens / options.block_size;
  if (num_blocks < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the KV cache budget of %d tokens holds no block of %d tokens",
        options.kv_cache_tokens, options.block_size));
  }
  return std::unique_ptr<EngineInstance>(
      new EngineInstance(std::move(traits), std::move(runner),
                         std::move(options), static_cast<int>(num_blocks)));
}

EngineInstance::EngineInstance(ModelTraits traits,
                               std::unique_ptr<BatchRunner> runner,
                               InstanceOptions options, int num_blocks)
    : traits_(std::move(traits)),
      options_(std::move(options)),
      runner_(std::move(runner)),
      blocks_(runner_->kv_pools(), options_.prefix_cache),
      scheduler_(options_.scheduler, &blocks_),
      source_(std::make_unique<QueueSource>(this)),
      media_(traits_.media),
      waiting_(options_.queue),
      seed_state_(static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())) ^
                  (static_cast<uint64_t>(options_.index) << 48)) {
  stats_.model = traits_.name;
  stats_.instance = options_.index;
  // Both pools' blocks (sliding-window layers' blocks are returned as
  // sequences advance).
  stats_.kv_blocks_total = blocks_.num_blocks(BlockKind::kFull) +
                           blocks_.num_blocks(BlockKind::kWindowed);
  thread_ = std::thread([this] { Loop(); });
}

EngineInstance::~EngineInstance() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

absl::Status EngineInstance::Submit(Request request) {
  if (draining_.load()) {
    return absl::UnavailableError(
        "the server is draining; retry on another "
        "replica");
  }
  if (request.sink == nullptr) {
    return absl::InvalidArgumentError("request has no result sink");
  }
  if (request.prompts.empty()) {
    return absl::InvalidArgumentError("request has no prompt");
  }
  const absl::Time now = absl::Now();
  if (request.deadline <= now) {
    return absl::DeadlineExceededError("the request's deadline has passed");
  }
  const SamplerType sampler = request.params.sampler.type;
  const bool contrastive = sampler == SamplerType::kContrastive;
  // Sequences one prompt runs as: its beams, or its contrastive candidates.
  const int beams = sampler == SamplerType::kBeam
                        ? request.params.sampler.num_beams
                    : contrastive ? request.params.sampler.k
                                  : 1;
  if (contrastive && beams > options_.scheduler.max_running) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "contrastive search runs its k = %d candidates as sequences at "
        "once, and this model's engine runs at most %d sequences at once; "
        "use k <= %d",
        beams, options_.scheduler.max_running, options_.scheduler.max_running));
  }
  auto state = std::make_shared<RequestState>();
  const int block_size = options_.block_size;
  for (size_t i = 0; i < request.prompts.size(); ++i) {
    const PromptInput& prompt = request.prompts[i];
    GEMMA_RETURN_IF_ERROR(media_.ValidatePrompt(prompt, static_cast<int>(i)));
    if (!prompt.media.empty() && (beams > 1 || contrastive)) {
      return absl::UnimplementedError(absl::StrCat(
          contrastive ? "contrastive" : "beam",
          " search is not supported for prompts with media yet; use greedy "
          "or a sampling method"));
    }
    uint64_t seed;
    {
      absl::MutexLock lock(&mu_);
      // SplitMix64 step: a fresh seed for requests that set none.
      uint64_t z = (seed_state_ += 0x9e3779b97f4a7c15ULL);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      seed = z ^ (z >> 31);
    }
    GEMMA_ASSIGN_OR_RETURN(
        std::unique_ptr<Sequence> gen,
        Sequence::Create(traits_.tokenizer, prompt, request.params,
                         traits_.limits, traits_.stop_defaults,
                         static_cast<int>(i), seed,
                         traits_.strip_audio_tokens));
    // Worst case: the whole sequence, plus for every other beam its own
    // blocks for the generated part (beams share the prompt's blocks); a
    // contrastive candidate shares all but the block its token lands in.
    const int64_t total = gen->max_total_length();
    const int64_t generated =
        total - static_cast<int64_t>(prompt.token_ids.size());
    const int64_t per_member =
        contrastive ? 1 : (generated + block_size - 1) / block_size + 1;
    const int64_t need_blocks =
        (total + block_size - 1) / block_size + int64_t{beams - 1} * per_member;
    if (need_blocks > blocks_.num_blocks()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "prompt %d may need %d KV positions (%d tokens, %d %s), more "
          "than the KV cache of one instance holds (%d); lower "
          "max_length/max_new_tokens or %s, or start the server with a "
          "larger KV cache",
          i, need_blocks * block_size, total, beams,
          contrastive ? "candidates" : "beams",
          int64_t{blocks_.num_blocks()} * block_size,
          contrastive ? "k" : "num_beams"));
    }
    state->prompt_tokens += static_cast<int64_t>(prompt.token_ids.size());
    state->gens.push_back(std::move(gen));
  }
  state->prompts_left = static_cast<int>(state->gens.size());
  state->enqueued = now;
  const int priority = request.params.priority;
  state->request = std::move(request);

  absl::MutexLock lock(&mu_);
  if (state->request.deadline != absl::InfiniteFuture() &&
      tokens_per_second_ > 0) {
    // Time to get through the queued prompts and this one at the measured
    // rate; a request that cannot start before its deadline never does.
    const double seconds =
        (waiting_.queued_tokens() + state->prompt_tokens) / tokens_per_second_;
    if (now + absl::Seconds(seconds) > state->request.deadline) {
      return absl::DeadlineExceededError(absl::StrFormat(
          "the deadline cannot be met: about %.1f s of queued work precedes "
          "this request",
          seconds));
    }
  }
  GEMMA_RETURN_IF_ERROR(waiting_.TryPush(state, state->prompt_tokens, priority,
                                         tokens_per_second_));
  media_.CountRequest(state->request.prompts);
  in_flight_.fetch_add(1);
  return absl::OkStatus();
}

EngineStats EngineInstance::Stats() const {
  absl::MutexLock lock(&mu_);
  EngineStats s = stats_;
  s.waiting_requests = waiting_.size();
  s.waiting_prompt_tokens = waiting_.queued_tokens();
  return s;
}

int EngineInstance::Load() const {
  absl::MutexLock lock(&mu_);
  return waiting_.size() + running_seqs_.load();
}

void EngineInstance::Loop() {
  // OpenMP's thread count is per calling thread: this instance's math (run
  // from this thread) uses its share of the cores.
  omp_set_num_threads(options_.num_threads);
  uint64_t idle_rounds = 0;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) break;
    }
    if (Step()) {
      idle_rounds = 0;
      continue;
    }
    // Idle: sleep until a request arrives or stop, waking now and then to
    // expire waiting requests.
    ++idle_rounds;
    absl::MutexLock lock(&mu_);
    const int seen = waiting_.size();
    auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stop_ || waiting_.size() != seen;
    };
    mu_.AwaitWithTimeout(absl::Condition(&changed),
                         absl::Milliseconds(idle_rounds > 1 ? 20 : 1));
  }
  // Shutdown: every outstanding prompt still gets its OnDone.
  source_->Unpeek();
  const absl::Status down =
      absl::UnavailableError("the engine is shutting down");
  while (!active_.empty()) {
    ActiveSeq* seq = active_.back()->leader;
    seq->gen->Abort(FinishReason::kError, down);
    Deliver(seq);
  }
  std::vector<std::shared_ptr<RequestState>> left;
  {
    absl::MutexLock lock(&mu_);
    left = waiting_.RemoveIf([](const auto&) { return true; });
  }
  for (auto& req : left) {
    while (req->next_prompt < static_cast<int>(req->gens.size())) {
      EndUnstarted(req.get(), req->next_prompt++, FinishReason::kError, down);
    }
  }
  PublishStats(nullptr, absl::ZeroDuration());
  FlushOutbox();
}

bool EngineInstance::Step() {
  source_->Unpeek();
  ReapWaiting();
  ReapRunning();
  StepPlan plan = scheduler_.Plan(*source_);
  source_->Unpeek();
  for (SchedState* p : plan.preempted) {
    auto* seq = static_cast<ActiveSeq*>(p);
    // A preempted beam recomputes its row after it resumes.
    if (BeamGroup* g = seq->leader->beam_group.get()) g->have[seq->beam] = 0;
  }
  // Soft tokens of the chunks that hold media placeholders (at most one
  // tower call per step; chunks past a second new item wait a step).
  StepMedia step_media;
  const absl::Status media_status = media_.Prepare(
      &plan,
      [](const SchedState* s) {
        const auto* a = static_cast<const ActiveSeq*>(s);
        return &a->req->request.prompts[a->prompt];
      },
      &step_media);
  if (plan.empty()) {
    PublishStats(nullptr, absl::ZeroDuration());
    FlushOutbox();
    return false;
  }

  const absl::Time start = absl::Now();
  std::vector<float>& logits = step_logits_;
  // Contrastive search needs hidden states.
  StepHidden& hidden = step_hidden_;
  HiddenRowsWanted(plan, &hidden);
  StepHidden* want_hidden = hidden.all_rows.empty() ? nullptr : &hidden;
  absl::Status status =
      media_status.ok()
          ? runner_->Run(plan, &logits, step_media.per_item, want_hidden)
          : media_status;
  const absl::Time end = absl::Now();
  if (status.ok()) {
    scheduler_.ObserveStep(plan, absl::ToDoubleSeconds(end - start));
  }
  VLOG(2) << "model '" << traits_.name << "' instance " << options_.index
          << " step: " << plan.decode_rows << " decodes, "
          << plan.num_tokens - plan.decode_rows << " prompt tokens, "
          << absl::ToDoubleMilliseconds(end - start) << " ms";
  const int vocab = runner_->vocab_size();
  // Leaders (owners of a Sequence) touched by the step, in plan order.
  std::vector<ActiveSeq*> touched;
  std::vector<ActiveSeq*> beam_leaders;  // Groups that got a row.
  std::vector<ActiveSeq*> contrastive_leaders;
  auto touch = [](std::vector<ActiveSeq*>& v, ActiveSeq* s) {
    if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
  };
  int row = 0;
  for (size_t i = 0; i < plan.items.size(); ++i) {
    const StepItem& item = plan.items[i];
    auto* seq = static_cast<ActiveSeq*>(item.seq);
    ActiveSeq* leader = seq->leader;
    touch(touched, leader);
    if (!status.ok()) {
      leader->gen->Abort(FinishReason::kError, status);
      continue;
    }
    scheduler_.Advance(item);
    if (!seq->cached_tokens.has_value()) seq->cached_tokens = seq->num_cached;
    absl::Span<const float> row_logits;
    if (item.wants_logits) {
      row_logits =
          absl::MakeConstSpan(logits).subspan(int64_t{row} * vocab, vocab);
      ++row;
      // (Contrastive search picks its first token a step later.)
      if (!leader->first_token.has_value() && !IsContrastive(*leader)) {
        leader->first_token = end;
      }
    }
    if (IsContrastive(*leader)) {
      TakeContrastiveRows(seq, item, row_logits, hidden.item_rows(i),
                          hidden.dim, &contrastive_leaders);
      continue;
    }
    if (!item.wants_logits) continue;
    if (IsBeamSearch(*leader)) {
      if (leader->beam_group == nullptr) {
        StartBeams(leader, row_logits);
      } else {
        BeamGroup& g = *leader->beam_group;
        g.rows[seq->beam].assign(row_logits.begin(), row_logits.end());
        g.have[seq->beam] = 1;
        touch(beam_leaders, leader);
      }
      continue;
    }
    seq->gen->AcceptLogits(row_logits);
    if (seq->gen->length() > static_cast<int>(seq->tokens.size())) {
      seq->tokens.push_back(seq->gen->last_token());
    }
  }
  for (ActiveSeq* leader : beam_leaders) {
    if (leader->beam_group->Complete()) StepBeams(leader);
  }
  for (ActiveSeq* leader : contrastive_leaders) {
    if (!leader->gen->finished() && leader->beam_group->Complete()) {
      StepContrastive(leader);
    }
  }
  if (!status.ok()) {
    LOG(ERROR) << "model '" << traits_.name << "' instance " << options_.index
               << " step failed: " << status;
  }
  for (ActiveSeq* seq : touched) Deliver(seq);

  PublishStats(&plan, end - start);
  FlushOutbox();
  return true;
}

void EngineInstance::PublishStats(const StepPlan* plan,
                                  absl::Duration step_time) {
  absl::MutexLock lock(&mu_);
  if (plan != nullptr) {
    const double seconds = absl::ToDoubleSeconds(step_time);
    if (seconds > 0) {
      const double rate = plan->num_tokens / seconds;
      tokens_per_second_ = tokens_per_second_ == 0
                               ? rate
                               : 0.8 * tokens_per_second_ + 0.2 * rate;
    }
    stats_.last_batch_tokens = plan->num_tokens;
    stats_.last_batch_sequences = static_cast<int>(plan->items.size());
    ++stats_.steps_total;
  }
  stats_.running_sequences = static_cast<int>(scheduler_.running().size() +
                                              scheduler_.preempted().size());
  running_seqs_.store(stats_.running_sequences);
  stats_.kv_blocks_used = blocks_.num_used_blocks(BlockKind::kFull) +
                          blocks_.num_used_blocks(BlockKind::kWindowed);
  stats_.prefix_cache_hits_total = blocks_.prefix_hits();
  stats_.prefix_cache_queries_total = blocks_.prefix_queries();
  stats_.preemptions_total = scheduler_.preemptions_total();
  media_.AddTo(&stats_);
}

void EngineInstance::ReapWaiting() {
  const absl::Time now = absl::Now();
  std::vector<std::shared_ptr<RequestState>> gone;
  {
    absl::MutexLock lock(&mu_);
    gone = waiting_.RemoveIf([now](const std::shared_ptr<RequestState>& r) {
      return r->cancelled() || r->request.deadline <= now;
    });
  }
  for (auto& req : gone) {
    const bool cancelled = req->cancelled();
    const FinishReason reason =
        cancelled ? FinishReason::kCancelled : FinishReason::kDeadline;
    const absl::Status status =
        cancelled ? absl::CancelledError("cancelled by the caller")
                  : absl::DeadlineExceededError(
                        "the deadline passed before the request started");
    while (req->next_prompt < static_cast<int>(req->gens.size())) {
      EndUnstarted(req.get(), req->next_prompt++, reason, status);
    }
  }
}

void EngineInstance::ReapRunning() {
  const absl::Time now = absl::Now();
  std::vector<ActiveSeq*> ended;
  for (auto& seq : active_) {
    if (seq->gen == nullptr) continue;  // A beam: its leader decides.
    const RequestState& req = *seq->req;
    if (req.cancelled()) {
      seq->gen->Abort(FinishReason::kCancelled,
                      absl::CancelledError("cancelled by the caller"));
      ended.push_back(seq.get());
    } else if (req.request.deadline <= now) {
      seq->gen->Abort(FinishReason::kDeadline,
                      absl::DeadlineExceededError("the deadline passed"));
      ended.push_back(seq.get());
    }
  }
  for (ActiveSeq* seq : ended) Deliver(seq);
}

void EngineInstance::Deliver(ActiveSeq* seq) {
  const std::shared_ptr<RequestSink>& sink = seq->req->request.sink;
  if (std::optional<GenerationChunk> chunk = seq->gen->TakeChunk()) {
    outbox_.push_back({sink, std::move(*chunk), std::nullopt});
  }
  if (!seq->gen->finished()) return;
  GenerationResult result = seq->gen->TakeResult();
  const absl::Time now = absl::Now();
  const absl::Time first = seq->first_token.value_or(now);
  result.usage.cached_tokens = seq->cached_tokens.value_or(0);
  result.timings.queue = seq->admitted - seq->req->enqueued;
  result.timings.prefill = first - seq->admitted;
  result.timings.decode = now - first;
  result.timings.time_to_first_token = first - seq->req->enqueued;
  outbox_.push_back({sink, std::nullopt, std::move(result)});
  Retire(seq);
}

void EngineInstance::Retire(ActiveSeq* seq) {
  std::shared_ptr<RequestState> req = seq->req;
  std::vector<ActiveSeq*> members = {seq};
  if (seq->beam_group != nullptr) members = seq->beam_group->beams;
  // Other beams first: the leader owns the group.
  std::reverse(members.begin(), members.end());
  for (ActiveSeq* m : members) {
    scheduler_.Finish(m);
    auto it = std::find_if(active_.begin(), active_.end(),
                           [m](const auto& p) { return p.get() == m; });
    if (it != active_.end()) active_.erase(it);  // Destroys `m`.
  }
  PromptDone(req.get());
}

void EngineInstance::EndUnstarted(RequestState* req, int prompt,
                                  FinishReason reason, absl::Status status) {
  Sequence& gen = *req->gens[prompt];
  gen.Abort(reason, status);
  const std::shared_ptr<RequestSink>& sink = req->request.sink;
  if (std::optional<GenerationChunk> chunk = gen.TakeChunk()) {
    outbox_.push_back({sink, std::move(*chunk), std::nullopt});
  }
  GenerationResult result = gen.TakeResult();
  result.timings.queue = absl::Now() - req->enqueued;
  outbox_.push_back({sink, std::nullopt, std::move(result)});
  PromptDone(req);
}

void EngineInstance::FlushOutbox() {
  for (Delivery& d : outbox_) {
    if (d.chunk.has_value()) d.sink->OnChunk(std::move(*d.chunk));
    if (d.result.has_value()) d.sink->OnDone(std::move(*d.result));
  }
  outbox_.clear();
}

void EngineInstance::PromptDone(RequestState* req) {
  if (--req->prompts_left == 0) in_flight_.fetch_sub(1);
}

}  // namespace gemma::engine
