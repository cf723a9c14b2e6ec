// The generation state of one prompt of one request, which the scheduler
// drives step by step: prompt and generated ids, the sampler and its seeded
// RNG, stop-token / stop-string / length checks, UTF-8-safe streaming text,
// log-probabilities, and the chunks and final result sent to the sink.
//
// Usage (single-row samplers: greedy, random, top_k, top_p):
//   ASSIGN_OR_RETURN(auto seq, Sequence::Create(tok, prompt, params, ...));
//   while (!seq->finished()) {
//     logits = model step on seq->last_token() ...;
//     seq->AcceptLogits(logits);
//     if (auto chunk = seq->TakeChunk()) sink->OnChunk(*chunk);
//   }
//   sink->OnDone(seq->TakeResult());
// Contrastive search (model/sampling/contrastive.h): the engine hands in
// the final-normed hidden states of the prompt as it is prefilled
// (AddHiddenStates), then per step takes the candidates of the current
// logits (StartContrastiveStep), runs one model row per candidate and hands
// their hidden states to FinishContrastiveStep, which scores them against
// the sequence's history, appends the winner (token and hidden state) and
// says which candidate won; the winner's logits start the next step. The
// history is freed when the sequence finishes. Beam search: AcceptBeamLogits
// with one row per beam; it returns each new beam's parent so the engine can
// reorder the beams' KV caches; text streams only at the end.
// A sequence whose length budget is already spent (max_length == prompt
// length) is finished at creation, with no generated tokens.
//
// Semantics (spec §5): result token_ids = prompt + generated ids up to and
// including the first stop token (generated only with strip_prompt); text =
// the generated ids minus keras-hub's postprocess-special ids (§5.4), so a
// <turn|> stop token stays in the text as "<turn|>" while <eos> does not.
// Stop strings are matched on that text; text that could still be the start
// of a stop string is held back; on a match the text ends before it.
// Log-probabilities (when top_logprobs > 0) are those of the model's
// distribution at temperature 1.
// Thread-safety: not thread-safe; owned and driven by one scheduler thread.
#ifndef GEMMA_ENGINE_SEQUENCE_H_
#define GEMMA_ENGINE_SEQUENCE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/generation_params.h"
#include "engine/request.h"
#include "model/sampling/contrastive.h"
#include "model/sampling/sampler.h"
#include "tokenizer/streaming_detokenizer.h"
#include "tokenizer/tokenizer.h"

namespace gemma::engine {

// Everything a Sequence needs, already resolved and validated.
struct SequenceConfig {
  int prompt_index = 0;
  std::vector<int32_t> stop_token_ids;
  std::vector<std::string> stop_strings;
  int max_total_length = 0;  // BOS + prompt + generated.
  bool strip_prompt = false;
  int top_logprobs = 0;
  model::SamplingConfig sampling;
  uint64_t seed = 0;
  int vocab_size = 0;  // Rows of logits have this many values.
  // §5.4: audio markers are stripped from text when the model has audio.
  bool strip_audio_tokens = true;
};

class Sequence {
 public:
  enum class StepOutcome { kContinue, kFinished };

  // Validates `params` and `prompt` against `limits`, resolves stop ids and
  // the length limit, and builds the sequence. `seed` is used when
  // params.sampler.seed is unset. `tokenizer` must outlive the sequence.
  static absl::StatusOr<std::unique_ptr<Sequence>> Create(
      const tokenizer::Tokenizer* tokenizer, const PromptInput& prompt,
      const GenerationParams& params, const ModelLimits& limits,
      const StopTokenDefaults& stop_defaults, int prompt_index, uint64_t seed,
      bool strip_audio_tokens = true);

  // `config` must be valid (see Create).
  Sequence(const tokenizer::Tokenizer* tokenizer,
           std::vector<int32_t> prompt_ids, SequenceConfig config);
  ~Sequence();
  Sequence(const Sequence&) = delete;
  Sequence& operator=(const Sequence&) = delete;

  // Samples the next token from the logits of the last position with the
  // request's single-row sampler and appends it.
  StepOutcome AcceptLogits(absl::Span<const float> logits);
  // Appends a token chosen by the caller (contrastive search, forced
  // tokens). `logits` (may be empty) feed the log-probabilities.
  StepOutcome AppendToken(int32_t token, absl::Span<const float> logits);
  // Contrastive search: appends the hidden states (rows of `hidden_dim`
  // floats) of the next positions of the sequence.
  void AddHiddenStates(absl::Span<const float> rows, int hidden_dim);
  // Positions whose hidden states are held.
  int num_hidden_states() const;
  // Takes the top-k candidates of `logits` (the last position's) for the
  // next token; kept until FinishContrastiveStep.
  const model::ContrastiveCandidates& StartContrastiveStep(
      absl::Span<const float> logits);
  // Scores the current candidates by their hidden states (one row each, in
  // candidate order) against every earlier position, appends the winner's
  // token and hidden state, and returns the winner's index. Needs the
  // hidden states of every position so far.
  int FinishContrastiveStep(absl::Span<const float> candidate_hidden);
  // The current step's candidates (empty between steps).
  const model::ContrastiveCandidates& contrastive_candidates() const {
    return candidates_;
  }

  // One beam-search step. `logits` holds num_beams rows of V (or a single
  // row on the first step, when every beam is still the prompt). Returns,
  // for each new beam, the index of the beam it extends.
  std::vector<int> AcceptBeamLogits(absl::Span<const float> logits);

  // Ends the sequence now (cancelled, deadline, error). No-op once finished.
  void Abort(FinishReason reason, absl::Status status);

  bool finished() const { return finished_; }
  const std::vector<int32_t>& prompt_ids() const { return prompt_ids_; }
  // Generated ids so far (beam search: empty until finished, then the best
  // beam's).
  const std::vector<int32_t>& generated_ids() const { return generated_; }
  // The beams' generated ids (beam search only).
  const std::vector<std::vector<int32_t>>& beams() const { return beams_; }
  // The last id of the sequence (single-row samplers and contrastive).
  int32_t last_token() const;
  int length() const;  // prompt + generated (beam search: + steps taken)
  int max_total_length() const { return config_.max_total_length; }
  const SequenceConfig& config() const { return config_; }

  // Tokens, text and logprobs produced since the last call, if any.
  std::optional<GenerationChunk> TakeChunk();
  // The final result; only after finished().
  GenerationResult TakeResult();

 private:
  // Appends `token` to the generated ids and its text; checks stops.
  StepOutcome Append(int32_t token);
  // Emits text that can no longer be part of a stop string; on a stop-
  // string match truncates and returns true.
  bool ProcessText(bool final);
  void Finish(FinishReason reason);
  // Ends beam search: the best beam, cut after its first stop token, becomes
  // the generated ids and goes through the text pipeline.
  void FinishBeams(std::optional<FinishReason> abort_reason);
  bool IsStopToken(int32_t token) const;

  const tokenizer::Tokenizer* tokenizer_;
  std::vector<int32_t> prompt_ids_;
  SequenceConfig config_;
  std::unique_ptr<model::TokenSampler> sampler_;  // Single-row samplers.
  tokenizer::StreamingDetokenizer detokenizer_;

  std::vector<int32_t> generated_;
  std::string text_;    // Visible generated text so far.
  size_t emitted_ = 0;  // Bytes of text_ already put in chunks.
  size_t max_stop_len_ = 0;
  GenerationChunk pending_;
  bool finished_ = false;
  GenerationResult result_;

  // Contrastive search state: the hidden states of positions
  // [0, length()), the step's candidates and (for log-probabilities) the
  // logits they came from.
  std::unique_ptr<model::ContrastiveHistory> history_;
  model::ContrastiveCandidates candidates_;
  // Per-step scratch of contrastive search (softmax, scores), reused.
  std::vector<float> contrastive_probs_;
  std::vector<float> contrastive_scores_;
  std::vector<float> candidate_logits_;

  // Beam search state.
  std::vector<std::vector<int32_t>> beams_;
  std::vector<float> beam_logprobs_;
};

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_SEQUENCE_H_
