#include "engine/sequence.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "model/sampling/beam_search.h"
#include "model/sampling/distribution.h"

namespace gemma::engine {
namespace {

TokenLogprob ToTokenLogprob(const model::Logprobs& lp) {
  TokenLogprob out;
  out.token = lp.token;
  out.logprob = lp.logprob;
  out.top = lp.top;
  return out;
}

bool IsSingleRow(model::SamplerKind kind) {
  return kind != model::SamplerKind::kBeam &&
         kind != model::SamplerKind::kContrastive;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Sequence>> Sequence::Create(
    const tokenizer::Tokenizer* tokenizer, const PromptInput& prompt,
    const GenerationParams& params, const ModelLimits& limits,
    const StopTokenDefaults& stop_defaults, int prompt_index, uint64_t seed,
    bool strip_audio_tokens) {
  GEMMA_RETURN_IF_ERROR(ValidateGenerationParams(params, limits));
  GEMMA_RETURN_IF_ERROR(ValidatePrompt(prompt, params, limits));
  GEMMA_ASSIGN_OR_RETURN(
      int max_total,
      EffectiveMaxLength(params, static_cast<int>(prompt.token_ids.size()),
                         limits));
  SequenceConfig config;
  config.prompt_index = prompt_index;
  config.stop_token_ids =
      ResolveStopTokenIds(params, prompt.is_chat, stop_defaults);
  config.stop_strings = params.stop_strings;
  config.max_total_length = max_total;
  config.strip_prompt = params.strip_prompt;
  config.top_logprobs = params.top_logprobs;
  config.sampling = ToSamplingConfig(params.sampler);
  config.seed = params.sampler.seed.value_or(seed);
  config.vocab_size = limits.vocab_size;
  config.strip_audio_tokens = strip_audio_tokens;
  return std::make_unique<Sequence>(tokenizer, prompt.token_ids,
                                    std::move(config));
}

Sequence::Sequence(const tokenizer::Tokenizer* tokenizer,
                   std::vector<int32_t> prompt_ids, SequenceConfig config)
    : tokenizer_(tokenizer),
      prompt_ids_(std::move(prompt_ids)),
      config_(std::move(config)),
      detokenizer_(tokenizer) {
  CHECK(tokenizer_ != nullptr);
  CHECK(!prompt_ids_.empty());
  if (IsSingleRow(config_.sampling.kind)) {
    sampler_ =
        std::make_unique<model::TokenSampler>(config_.sampling, config_.seed);
  } else if (config_.sampling.kind == model::SamplerKind::kBeam) {
    CHECK_GE(config_.sampling.num_beams, 1);
    beams_.assign(config_.sampling.num_beams, {});
    beam_logprobs_ = model::InitialBeamLogprobs(config_.sampling.num_beams);
  }
  for (const std::string& s : config_.stop_strings) {
    max_stop_len_ = std::max(max_stop_len_, s.size());
  }
  result_.prompt_index = config_.prompt_index;
  if (length() >= config_.max_total_length) Finish(FinishReason::kLength);
}

Sequence::~Sequence() = default;

int32_t Sequence::last_token() const {
  return generated_.empty() ? prompt_ids_.back() : generated_.back();
}

int Sequence::length() const {
  size_t n = prompt_ids_.size() + generated_.size();
  if (!beams_.empty() && !finished_) n += beams_[0].size();
  return static_cast<int>(n);
}

bool Sequence::IsStopToken(int32_t token) const {
  return std::find(config_.stop_token_ids.begin(), config_.stop_token_ids.end(),
                   token) != config_.stop_token_ids.end();
}

Sequence::StepOutcome Sequence::AcceptLogits(absl::Span<const float> logits) {
  CHECK(!finished_) << "AcceptLogits on a finished sequence";
  CHECK(sampler_ != nullptr) << "AcceptLogits needs a single-row sampler";
  const int32_t token = sampler_->Sample(logits);
  if (config_.top_logprobs > 0) {
    pending_.logprobs.push_back(ToTokenLogprob(
        model::ComputeLogprobs(logits, token, config_.top_logprobs)));
  }
  return Append(token);
}

Sequence::StepOutcome Sequence::AppendToken(int32_t token,
                                            absl::Span<const float> logits) {
  CHECK(!finished_) << "AppendToken on a finished sequence";
  if (config_.top_logprobs > 0 && !logits.empty() && token >= 0 &&
      static_cast<size_t>(token) < logits.size()) {
    pending_.logprobs.push_back(ToTokenLogprob(
        model::ComputeLogprobs(logits, token, config_.top_logprobs)));
  }
  return Append(token);
}

Sequence::StepOutcome Sequence::Append(int32_t token) {
  generated_.push_back(token);
  pending_.token_ids.push_back(token);
  if (!tokenizer_->IsSpecialForPostprocess(token, config_.strip_audio_tokens)) {
    text_ += detokenizer_.Push(token);
  }
  const bool stop_token = IsStopToken(token);
  const bool at_limit = length() >= config_.max_total_length;
  if (ProcessText(/*final=*/stop_token || at_limit)) {
    Finish(FinishReason::kStopString);
  } else if (stop_token) {
    result_.matched_stop_token = token;
    result_.matched_stop = tokenizer_->IdToPiece(token);
    Finish(FinishReason::kStopToken);
  } else if (at_limit) {
    Finish(FinishReason::kLength);
  }
  return finished_ ? StepOutcome::kFinished : StepOutcome::kContinue;
}

bool Sequence::ProcessText(bool final) {
  if (final) text_ += detokenizer_.Flush();
  // Anything emitted could not have been the start of a stop string, so a
  // match starts at or after emitted_.
  size_t best_pos = std::string::npos;
  const std::string* best = nullptr;
  for (const std::string& stop : config_.stop_strings) {
    const size_t pos = text_.find(stop, emitted_);
    if (pos != std::string::npos && pos < best_pos) {
      best_pos = pos;
      best = &stop;
    }
  }
  if (best != nullptr) {
    result_.matched_stop = *best;
    pending_.text.append(text_, emitted_, best_pos - emitted_);
    text_.resize(best_pos);
    emitted_ = best_pos;
    return true;
  }
  size_t hold = 0;
  if (!final && max_stop_len_ > 0) {
    const size_t unsent = text_.size() - emitted_;
    for (size_t len = std::min(unsent, max_stop_len_ - 1); len > 0; --len) {
      absl::string_view tail =
          absl::string_view(text_).substr(text_.size() - len);
      bool prefix = false;
      for (const std::string& stop : config_.stop_strings) {
        if (absl::StartsWith(stop, tail)) {
          prefix = true;
          break;
        }
      }
      if (prefix) {
        hold = len;
        break;
      }
    }
  }
  const size_t end = text_.size() - hold;
  pending_.text.append(text_, emitted_, end - emitted_);
  emitted_ = end;
  return false;
}

void Sequence::AddHiddenStates(absl::Span<const float> rows, int hidden_dim) {
  CHECK(!finished_) << "AddHiddenStates on a finished sequence";
  CHECK_EQ(config_.sampling.kind, model::SamplerKind::kContrastive);
  if (history_ == nullptr) {
    history_ = std::make_unique<model::ContrastiveHistory>(hidden_dim);
  }
  CHECK_EQ(history_->hidden_dim(), hidden_dim);
  history_->Append(rows);
  CHECK_LE(history_->size(), length());
}

int Sequence::num_hidden_states() const {
  return history_ == nullptr ? 0 : history_->size();
}

const model::ContrastiveCandidates& Sequence::StartContrastiveStep(
    absl::Span<const float> logits) {
  CHECK(!finished_) << "StartContrastiveStep on a finished sequence";
  CHECK_EQ(config_.sampling.kind, model::SamplerKind::kContrastive);
  model::ContrastiveTopK(logits, config_.sampling.temperature,
                         config_.sampling.k, &contrastive_probs_, &candidates_);
  if (config_.top_logprobs > 0) {
    candidate_logits_.assign(logits.begin(), logits.end());
  }
  return candidates_;
}

int Sequence::FinishContrastiveStep(absl::Span<const float> candidate_hidden) {
  CHECK(!finished_) << "FinishContrastiveStep on a finished sequence";
  CHECK(!candidates_.tokens.empty()) << "no contrastive step started";
  CHECK(history_ != nullptr && history_->size() == length())
      << "contrastive search needs the hidden state of every position";
  const size_t dim = history_->hidden_dim();
  history_->Scores(candidates_.probs, candidate_hidden, config_.sampling.alpha,
                   &contrastive_scores_);
  const int best = model::ContrastivePick(contrastive_scores_);
  history_->Append(candidate_hidden.subspan(best * dim, dim));
  const int32_t token = candidates_.tokens[best];
  candidates_.tokens.clear();  // Capacity kept for the next step.
  candidates_.probs.clear();
  AppendToken(token, candidate_logits_);
  return best;
}

std::vector<int> Sequence::AcceptBeamLogits(absl::Span<const float> logits) {
  CHECK(!finished_) << "AcceptBeamLogits on a finished sequence";
  CHECK(!beams_.empty()) << "AcceptBeamLogits needs the beam sampler";
  const int num_beams = static_cast<int>(beams_.size());
  const size_t vocab = static_cast<size_t>(config_.vocab_size);
  CHECK_GT(vocab, 0u);
  std::vector<float> replicated;
  if (logits.size() == vocab && num_beams > 1) {
    CHECK(beams_[0].empty()) << "one row is accepted on the first step only";
    replicated.reserve(vocab * num_beams);
    for (int b = 0; b < num_beams; ++b) {
      replicated.insert(replicated.end(), logits.begin(), logits.end());
    }
    logits = replicated;
  }
  CHECK_EQ(logits.size(), vocab * num_beams);
  std::vector<model::BeamChoice> choices = model::BeamSearchStep(
      beam_logprobs_, logits, config_.vocab_size, config_.sampling.temperature);
  std::vector<std::vector<int32_t>> next(num_beams);
  std::vector<int> parents(num_beams);
  for (int i = 0; i < num_beams; ++i) {
    parents[i] = choices[i].parent;
    next[i] = beams_[choices[i].parent];
    next[i].push_back(choices[i].token);
    beam_logprobs_[i] = choices[i].logprob;
  }
  beams_ = std::move(next);
  // keras-hub stops when every beam holds a stop token (finished beams keep
  // extending and scoring until then).
  bool all_stopped = !config_.stop_token_ids.empty();
  for (const auto& beam : beams_) {
    if (std::none_of(beam.begin(), beam.end(),
                     [this](int32_t t) { return IsStopToken(t); })) {
      all_stopped = false;
      break;
    }
  }
  if (all_stopped || length() >= config_.max_total_length) {
    FinishBeams(std::nullopt);
  }
  return parents;
}

void Sequence::FinishBeams(std::optional<FinishReason> abort_reason) {
  const int best = model::BestBeam(beam_logprobs_);
  std::vector<int32_t> chosen = std::move(beams_[best]);
  beams_.clear();
  auto stop = std::find_if(chosen.begin(), chosen.end(),
                           [this](int32_t t) { return IsStopToken(t); });
  if (stop != chosen.end()) chosen.erase(stop + 1, chosen.end());
  // Run the chosen ids through the normal pipeline; it finishes at the stop
  // token, a stop string, or the length limit (the last id).
  const int saved_limit = config_.max_total_length;
  if (abort_reason.has_value()) {
    config_.max_total_length =
        static_cast<int>(prompt_ids_.size() + chosen.size()) + 1;
  }
  for (int32_t token : chosen) {
    if (Append(token) == StepOutcome::kFinished) break;
  }
  config_.max_total_length = saved_limit;
  if (!finished_) {
    Finish(abort_reason.value_or(FinishReason::kLength));
  } else if (abort_reason.has_value()) {
    result_.finish_reason = *abort_reason;
  }
}

void Sequence::Abort(FinishReason reason, absl::Status status) {
  if (finished_) return;
  result_.status = std::move(status);
  if (!beams_.empty()) {
    FinishBeams(reason);
    return;
  }
  Finish(reason);
}

void Sequence::Finish(FinishReason reason) {
  if (reason != FinishReason::kStopString) {
    text_ += detokenizer_.Flush();
    pending_.text.append(text_, emitted_, std::string::npos);
    emitted_ = text_.size();
  }
  finished_ = true;
  // Contrastive search's hidden states are no longer needed.
  history_.reset();
  std::vector<float>().swap(candidate_logits_);
  result_.finish_reason = reason;
  result_.token_ids.clear();
  if (!config_.strip_prompt) result_.token_ids = prompt_ids_;
  result_.token_ids.insert(result_.token_ids.end(), generated_.begin(),
                           generated_.end());
  result_.text = text_;
  result_.usage.prompt_tokens = static_cast<int>(prompt_ids_.size());
  result_.usage.completion_tokens = static_cast<int>(generated_.size());
}

std::optional<GenerationChunk> Sequence::TakeChunk() {
  if (pending_.token_ids.empty() && pending_.text.empty() &&
      pending_.logprobs.empty()) {
    return std::nullopt;
  }
  GenerationChunk chunk = std::move(pending_);
  pending_ = GenerationChunk();
  chunk.prompt_index = config_.prompt_index;
  return chunk;
}

GenerationResult Sequence::TakeResult() {
  CHECK(finished_) << "TakeResult before the sequence finished";
  return std::move(result_);
}

}  // namespace gemma::engine
