#include "server/response_conversion.h"

#include <cstdint>

#include "absl/time/time.h"

namespace gemma::server {
namespace {

void FillDuration(absl::Duration d, google::protobuf::Duration* out) {
  const int64_t nanos = absl::ToInt64Nanoseconds(d);
  out->set_seconds(nanos / 1000000000);
  out->set_nanos(static_cast<int32_t>(nanos % 1000000000));
}

void FillLogprob(const engine::TokenLogprob& lp,
                 gemma4::v1::TokenLogprob* out) {
  out->set_token_id(lp.token);
  out->set_logprob(lp.logprob);
  for (const auto& [token, logprob] : lp.top) {
    gemma4::v1::TopLogprob* top = out->add_top();
    top->set_token_id(token);
    top->set_logprob(logprob);
  }
}

void FillToolCall(const tokenizer::ParsedToolCall& call,
                  gemma4::v1::ToolCall* out) {
  out->set_name(call.name);
  out->set_arguments_json(call.ArgumentsJson());
}

}  // namespace

gemma4::v1::FinishReason ToProtoFinishReason(engine::FinishReason reason) {
  switch (reason) {
    case engine::FinishReason::kStopToken:
      return gemma4::v1::FINISH_REASON_STOP_TOKEN;
    case engine::FinishReason::kStopString:
      return gemma4::v1::FINISH_REASON_STOP_STRING;
    case engine::FinishReason::kLength:
      return gemma4::v1::FINISH_REASON_LENGTH;
    case engine::FinishReason::kCancelled:
      return gemma4::v1::FINISH_REASON_CANCELLED;
    case engine::FinishReason::kDeadline:
    case engine::FinishReason::kError:
      // These end the call with an error status, not a response.
      return gemma4::v1::FINISH_REASON_UNSPECIFIED;
  }
  return gemma4::v1::FINISH_REASON_UNSPECIFIED;
}

void FillUsage(const engine::Usage& usage, gemma4::v1::Usage* out) {
  out->set_prompt_tokens(usage.prompt_tokens);
  out->set_completion_tokens(usage.completion_tokens);
  out->set_cached_tokens(usage.cached_tokens);
}

void FillTimings(const engine::Timings& timings, gemma4::v1::Timings* out) {
  FillDuration(timings.queue, out->mutable_queue());
  FillDuration(timings.prefill, out->mutable_prefill());
  FillDuration(timings.decode, out->mutable_decode());
  FillDuration(timings.time_to_first_token, out->mutable_time_to_first_token());
}

void FillCompletion(const engine::GenerationResult& result,
                    const std::vector<engine::TokenLogprob>& logprobs,
                    const tokenizer::ParsedChatOutput* chat,
                    gemma4::v1::Completion* out) {
  out->set_prompt_index(result.prompt_index);
  out->set_text(result.text);
  out->mutable_token_ids()->Add(result.token_ids.begin(),
                                result.token_ids.end());
  out->set_finish_reason(ToProtoFinishReason(result.finish_reason));
  out->set_matched_stop(result.matched_stop);
  out->set_matched_stop_token_id(result.matched_stop_token);
  FillUsage(result.usage, out->mutable_usage());
  FillTimings(result.timings, out->mutable_timings());
  for (const engine::TokenLogprob& lp : logprobs) {
    FillLogprob(lp, out->add_logprobs());
  }
  if (chat != nullptr) {
    gemma4::v1::ChatOutput* c = out->mutable_chat();
    c->set_thought(chat->reasoning);
    c->set_content(chat->content);
    for (const tokenizer::ParsedToolCall& call : chat->tool_calls) {
      FillToolCall(call, c->add_tool_calls());
    }
  }
}

void FillStreamFinal(const engine::GenerationResult& result,
                     gemma4::v1::StreamFinal* out) {
  out->set_finish_reason(ToProtoFinishReason(result.finish_reason));
  out->set_matched_stop(result.matched_stop);
  out->set_matched_stop_token_id(result.matched_stop_token);
  FillUsage(result.usage, out->mutable_usage());
  FillTimings(result.timings, out->mutable_timings());
}

void FillChunk(const engine::GenerationChunk& chunk,
               gemma4::v1::GenerateStreamChunk* out) {
  out->set_prompt_index(chunk.prompt_index);
  out->set_text(chunk.text);
  out->mutable_token_ids()->Add(chunk.token_ids.begin(), chunk.token_ids.end());
  for (const engine::TokenLogprob& lp : chunk.logprobs) {
    FillLogprob(lp, out->add_logprobs());
  }
}

void FillChatDelta(const tokenizer::ChatOutputDelta& delta,
                   gemma4::v1::ChatDelta* out) {
  out->set_thought(delta.reasoning);
  out->set_content(delta.content);
  for (const tokenizer::ParsedToolCall& call : delta.tool_calls) {
    FillToolCall(call, out->add_tool_calls());
  }
}

void FillModelInfo(const engine::ModelInfo& info, gemma4::v1::ModelInfo* out) {
  out->set_name(info.name);
  out->set_family(info.family);
  out->set_vocab_size(info.vocab_size);
  out->set_hidden_dim(info.hidden_dim);
  out->set_num_layers(info.num_layers);
  out->set_context_length(info.context_length);
  out->set_default_max_length(info.default_max_length);
  out->set_dtype(info.dtype);
  out->add_modalities("text");
  if (info.image) out->add_modalities("image");
  if (info.audio) out->add_modalities("audio");
  if (info.video) out->add_modalities("video");
  out->set_instances(info.instances);
  out->set_random_weights(info.random_weights);
}

}  // namespace gemma::server
