#include "tests/server/fake_engine.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace gemma::testing {

FakeEngine::FakeEngine(absl::Duration step_delay, int max_queue)
    : step_delay_(step_delay), max_queue_(max_queue) {
  worker_ = std::thread([this] { Run(); });
}

FakeEngine::~FakeEngine() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  worker_.join();
}

std::vector<engine::ModelInfo> FakeEngine::ListModels() const {
  engine::ModelInfo info;
  info.name = "fake";
  info.family = "custom";
  info.vocab_size = kVocab;
  info.hidden_dim = 8;
  info.num_layers = 1;
  info.context_length = kContext;
  info.default_max_length = kDefaultMaxLength;
  info.dtype = "float32";
  info.random_weights = true;
  return {info};
}

absl::StatusOr<const engine::Frontend*> FakeEngine::GetFrontend(
    const std::string& model) const {
  if (frontend_ == nullptr) {
    return absl::UnimplementedError("the fake engine has no front end");
  }
  return frontend_;
}

std::string FakeEngine::TokenText(int32_t id) {
  return absl::StrCat("t", id, " ");
}

absl::Status FakeEngine::Submit(engine::Request request) {
  if (draining_.load()) return absl::UnavailableError("draining");
  if (request.model != "fake") {
    return absl::NotFoundError(absl::StrCat("no model ", request.model));
  }
  absl::MutexLock lock(&mu_);
  if (static_cast<int>(queue_.size()) >= max_queue_) {
    return absl::ResourceExhaustedError("queue full; retry later");
  }
  ++in_flight_;
  ++submitted_;
  queue_.push_back(std::move(request));
  return absl::OkStatus();
}

std::vector<engine::EngineStats> FakeEngine::Stats() const {
  engine::EngineStats s;
  s.model = "fake";
  absl::MutexLock lock(&mu_);
  s.waiting_requests = static_cast<int>(queue_.size());
  s.running_sequences = running_ ? 1 : 0;
  s.kv_blocks_total = 8;
  s.kv_blocks_used = running_ ? 2 : 0;
  s.steps_total = steps_.load();
  return {s};
}

void FakeEngine::Run() {
  while (true) {
    engine::Request request;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stop_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stop_ and nothing left.
      request = std::move(queue_.front());
      queue_.pop_front();
      running_ = true;
    }
    Generate(request);
    {
      absl::MutexLock lock(&mu_);
      running_ = false;
    }
    --in_flight_;
  }
}

void FakeEngine::Generate(engine::Request& request) {
  const engine::GenerationParams& params = request.params;
  const absl::Time accepted = absl::Now();
  for (size_t p = 0; p < request.prompts.size(); ++p) {
    const std::vector<int32_t>& prompt = request.prompts[p].token_ids;
    engine::GenerationResult result;
    result.prompt_index = static_cast<int>(p);
    result.token_ids = params.strip_prompt ? std::vector<int32_t>{} : prompt;
    result.usage.prompt_tokens = static_cast<int>(prompt.size());
    result.finish_reason = engine::FinishReason::kLength;
    int limit = params.max_length.value_or(
        params.max_new_tokens.has_value() ? kContext : kDefaultMaxLength);
    if (params.max_new_tokens.has_value()) {
      limit = std::min(
          limit, static_cast<int>(prompt.size()) + *params.max_new_tokens);
    }
    std::vector<int32_t> stops;
    if (params.stop_mode == engine::StopTokensMode::kExplicit) {
      stops = params.stop_token_ids;
    } else if (params.stop_mode == engine::StopTokensMode::kAuto) {
      stops = {1};
    }
    int32_t last = prompt.back();
    int length = static_cast<int>(prompt.size());
    const absl::Time start = absl::Now();
    result.timings.queue = start - accepted;
    while (length < limit) {
      if (request.cancel != nullptr && request.cancel->cancelled()) {
        result.finish_reason = engine::FinishReason::kCancelled;
        break;
      }
      if (absl::Now() > request.deadline) {
        result.finish_reason = engine::FinishReason::kDeadline;
        break;
      }
      const int32_t next = (last + 1) % kVocab;
      last = next;
      ++length;
      ++steps_;
      result.token_ids.push_back(next);
      ++result.usage.completion_tokens;
      if (result.usage.completion_tokens == 1) {
        result.timings.time_to_first_token = absl::Now() - accepted;
      }
      engine::GenerationChunk chunk;
      chunk.prompt_index = static_cast<int>(p);
      chunk.token_ids = {next};
      const bool is_stop =
          std::find(stops.begin(), stops.end(), next) != stops.end();
      chunk.text = is_stop ? "" : TokenText(next);
      if (params.top_logprobs > 0) {
        engine::TokenLogprob lp;
        lp.token = next;
        lp.logprob = -0.5f;
        lp.top = {{next, -0.5f}};
        chunk.logprobs.push_back(lp);
      }
      result.text += chunk.text;
      request.sink->OnChunk(std::move(chunk));
      if (is_stop) {
        result.finish_reason = engine::FinishReason::kStopToken;
        result.matched_stop_token = next;
        result.matched_stop = TokenText(next);
        break;
      }
      if (step_delay_ > absl::ZeroDuration()) absl::SleepFor(step_delay_);
    }
    result.timings.decode = absl::Now() - start;
    request.sink->OnDone(std::move(result));
  }
}

}  // namespace gemma::testing
