#include "server/server_metrics.h"

#include <string>

namespace gemma::server {
namespace {

using prometheus::Histogram;

const Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* const kBuckets = new Histogram::BucketBoundaries{
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
      2.5,   5,    10,    30,   60,  120,  300};
  return *kBuckets;
}

const Histogram::BucketBoundaries& InterTokenBuckets() {
  static const auto* const kBuckets = new Histogram::BucketBoundaries{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5};
  return *kBuckets;
}

const Histogram::BucketBoundaries& PreprocessBuckets() {
  static const auto* const kBuckets = new Histogram::BucketBoundaries{
      0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,    0.25,  0.5,    1,     2.5};
  return *kBuckets;
}

// One media item's decode + processing: milliseconds for an image, up to
// seconds for a long audio clip or a video.
const Histogram::BucketBoundaries& MediaPreprocessBuckets() {
  static const auto* const kBuckets = new Histogram::BucketBoundaries{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
      0.25,  0.5,    1,     2.5,  5,     10,   30};
  return *kBuckets;
}

// Soft tokens of one prompt's media: 1 (a tiny audio clip) to 32 video
// frames x 70 and more.
const Histogram::BucketBoundaries& MediaTokenBuckets() {
  static const auto* const kBuckets = new Histogram::BucketBoundaries{
      16, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768};
  return *kBuckets;
}

const Histogram::BucketBoundaries& TokenBuckets() {
  static const auto* const kBuckets = new Histogram::BucketBoundaries{
      1,    4,    16,   64,    128,   256,   512,   1024,
      2048, 4096, 8192, 16384, 32768, 65536, 131072};
  return *kBuckets;
}

std::string ModelLabel(absl::string_view model) {
  return model.empty() ? "unknown" : std::string(model);
}

const char* StageName(PreprocessStage stage) {
  switch (stage) {
    case PreprocessStage::kChatTemplate:
      return "chat_template";
    case PreprocessStage::kTokenize:
      return "tokenize";
    case PreprocessStage::kImage:
      return "image";
    case PreprocessStage::kAudio:
      return "audio";
  }
  return "unknown";
}

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

}  // namespace

std::vector<std::string> ServerMetrics::FamilyNames() {
  return {"gemma4_requests_total",
          "gemma4_rpcs_in_flight",
          "gemma4_request_duration_seconds",
          "gemma4_time_to_first_token_seconds",
          "gemma4_inter_token_latency_seconds",
          "gemma4_request_queue_time_seconds",
          "gemma4_request_prefill_time_seconds",
          "gemma4_request_decode_time_seconds",
          "gemma4_request_prompt_tokens",
          "gemma4_request_generation_tokens",
          "gemma4_prompt_tokens_total",
          "gemma4_generation_tokens_total",
          "gemma4_cached_prompt_tokens_total",
          "gemma4_generations_finished_total",
          "gemma4_preprocess_duration_seconds",
          "gemma4_media_preprocess_duration_seconds",
          "gemma4_request_media_soft_tokens",
          "gemma4_model_load_duration_seconds"};
}

ServerMetrics::ServerMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("gemma4_requests_total")
                    .Help("Finished RPCs by method, model and gRPC status "
                          "code.")
                    .Register(registry)),
      rpcs_in_flight_(prometheus::BuildGauge()
                          .Name("gemma4_rpcs_in_flight")
                          .Help("RPCs being handled now, by method.")
                          .Register(registry)),
      request_duration_(prometheus::BuildHistogram()
                            .Name("gemma4_request_duration_seconds")
                            .Help("End-to-end RPC latency, by method and "
                                  "model.")
                            .Register(registry)),
      time_to_first_token_(prometheus::BuildHistogram()
                               .Name("gemma4_time_to_first_token_seconds")
                               .Help("From acceptance to the first generated "
                                     "token, per prompt.")
                               .Register(registry)),
      inter_token_latency_(prometheus::BuildHistogram()
                               .Name("gemma4_inter_token_latency_seconds")
                               .Help("Time between consecutive generated "
                                     "tokens of one prompt.")
                               .Register(registry)),
      queue_time_(prometheus::BuildHistogram()
                      .Name("gemma4_request_queue_time_seconds")
                      .Help("Time a prompt waited before it was first "
                            "scheduled.")
                      .Register(registry)),
      prefill_time_(prometheus::BuildHistogram()
                        .Name("gemma4_request_prefill_time_seconds")
                        .Help("Prompt processing time per prompt.")
                        .Register(registry)),
      decode_time_(prometheus::BuildHistogram()
                       .Name("gemma4_request_decode_time_seconds")
                       .Help("Generation time after the first token, per "
                             "prompt.")
                       .Register(registry)),
      prompt_tokens_(prometheus::BuildHistogram()
                         .Name("gemma4_request_prompt_tokens")
                         .Help("Prompt tokens per prompt (BOS, template and "
                               "media soft tokens included).")
                         .Register(registry)),
      generation_tokens_(prometheus::BuildHistogram()
                             .Name("gemma4_request_generation_tokens")
                             .Help("Generated tokens per prompt.")
                             .Register(registry)),
      prompt_tokens_total_(prometheus::BuildCounter()
                               .Name("gemma4_prompt_tokens_total")
                               .Help("Prompt tokens processed.")
                               .Register(registry)),
      generation_tokens_total_(prometheus::BuildCounter()
                                   .Name("gemma4_generation_tokens_total")
                                   .Help("Tokens generated.")
                                   .Register(registry)),
      cached_prompt_tokens_total_(
          prometheus::BuildCounter()
              .Name("gemma4_cached_prompt_tokens_total")
              .Help("Prompt tokens served from the prefix cache.")
              .Register(registry)),
      finished_(prometheus::BuildCounter()
                    .Name("gemma4_generations_finished_total")
                    .Help("Finished prompts by model and finish reason.")
                    .Register(registry)),
      preprocess_(
          prometheus::BuildHistogram()
              .Name("gemma4_preprocess_duration_seconds")
              .Help("Time to build one prompt, by its form (chat_template, "
                    "tokenize), media preprocessing included.")
              .Register(registry)),
      media_preprocess_(
          prometheus::BuildHistogram()
              .Name("gemma4_media_preprocess_duration_seconds")
              .Help("Time to decode and preprocess one media item, by "
                    "modality (image, audio, video), on the RPC thread.")
              .Register(registry)),
      media_soft_tokens_(
          prometheus::BuildHistogram()
              .Name("gemma4_request_media_soft_tokens")
              .Help("Soft tokens of the media of one prompt that carries "
                    "media (all frames of its videos included).")
              .Register(registry)),
      model_load_(prometheus::BuildGauge()
                      .Name("gemma4_model_load_duration_seconds")
                      .Help("Time it took to load each model at startup.")
                      .Register(registry)) {}

void ServerMetrics::RpcStarted(absl::string_view rpc) {
  rpcs_in_flight_.Add({{"rpc", std::string(rpc)}}).Increment();
}

void ServerMetrics::RpcFinished(absl::string_view rpc, absl::string_view model,
                                absl::StatusCode code, absl::Duration latency) {
  rpcs_in_flight_.Add({{"rpc", std::string(rpc)}}).Decrement();
  const std::string model_label = ModelLabel(model);
  requests_
      .Add({{"rpc", std::string(rpc)},
            {"model", model_label},
            {"code", absl::StatusCodeToString(code)}})
      .Increment();
  request_duration_
      .Add({{"rpc", std::string(rpc)}, {"model", model_label}},
           LatencyBuckets())
      .Observe(Seconds(latency));
}

void ServerMetrics::RecordGeneration(absl::string_view model,
                                     const engine::GenerationResult& result) {
  const prometheus::Labels labels = {{"model", ModelLabel(model)}};
  finished_
      .Add({{"model", ModelLabel(model)},
            {"reason", engine::FinishReasonName(result.finish_reason)}})
      .Increment();
  const engine::Usage& usage = result.usage;
  prompt_tokens_.Add(labels, TokenBuckets()).Observe(usage.prompt_tokens);
  generation_tokens_.Add(labels, TokenBuckets())
      .Observe(usage.completion_tokens);
  prompt_tokens_total_.Add(labels).Increment(usage.prompt_tokens);
  generation_tokens_total_.Add(labels).Increment(usage.completion_tokens);
  cached_prompt_tokens_total_.Add(labels).Increment(usage.cached_tokens);
  const engine::Timings& t = result.timings;
  queue_time_.Add(labels, LatencyBuckets()).Observe(Seconds(t.queue));
  if (usage.completion_tokens > 0) {
    time_to_first_token_.Add(labels, LatencyBuckets())
        .Observe(Seconds(t.time_to_first_token));
    prefill_time_.Add(labels, LatencyBuckets()).Observe(Seconds(t.prefill));
    decode_time_.Add(labels, LatencyBuckets()).Observe(Seconds(t.decode));
  }
}

void ServerMetrics::RecordInterTokenLatency(absl::string_view model,
                                            absl::Duration gap, int tokens) {
  if (tokens <= 0) return;
  prometheus::Histogram& h = inter_token_latency_.Add(
      {{"model", ModelLabel(model)}}, InterTokenBuckets());
  const double per_token = Seconds(gap) / tokens;
  for (int i = 0; i < tokens; ++i) h.Observe(per_token);
}

void ServerMetrics::RecordPreprocess(PreprocessStage stage,
                                     absl::Duration duration) {
  preprocess_.Add({{"stage", StageName(stage)}}, PreprocessBuckets())
      .Observe(Seconds(duration));
}

void ServerMetrics::RecordMediaPreprocess(absl::string_view modality,
                                          absl::Duration duration) {
  media_preprocess_
      .Add({{"modality", std::string(modality)}}, MediaPreprocessBuckets())
      .Observe(Seconds(duration));
}

void ServerMetrics::RecordPromptMediaSoftTokens(absl::string_view model,
                                                int soft_tokens) {
  media_soft_tokens_.Add({{"model", ModelLabel(model)}}, MediaTokenBuckets())
      .Observe(soft_tokens);
}

void ServerMetrics::SetModelLoadTime(absl::string_view model,
                                     absl::Duration duration) {
  model_load_.Add({{"model", ModelLabel(model)}}).Set(Seconds(duration));
}

}  // namespace gemma::server
