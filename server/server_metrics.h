// ServerMetrics: the Prometheus metric families the RPC edge records into.
// Built in main() on the registry the /metrics exposer serves, and passed
// down by reference (no global registry). Names follow Prometheus
// conventions (base units, `_seconds`, `_total` on counters); every metric
// is documented in server/METRICS.md.
//
// Engine state (queue length, running requests, KV-cache use, ...) is not
// recorded here: EngineStatsCollector reads it at scrape time.
// Thread-safety: every method may be called from any thread.
#ifndef GEMMA_SERVER_SERVER_METRICS_H_
#define GEMMA_SERVER_SERVER_METRICS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/request.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace gemma::server {

// Preprocessing stages timed per prompt.
enum class PreprocessStage { kChatTemplate, kTokenize, kImage, kAudio };

class ServerMetrics {
 public:
  // Registers every family on `registry`, which must outlive this object.
  explicit ServerMetrics(prometheus::Registry& registry);
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  // The names of the families registered here (for tests and docs).
  static std::vector<std::string> FamilyNames();

  // An RPC began / ended. `model` is "" when the RPC names none or names a
  // model that is not served (recorded as "unknown", so that made-up names
  // cannot grow the label set).
  void RpcStarted(absl::string_view rpc);
  void RpcFinished(absl::string_view rpc, absl::string_view model,
                   absl::StatusCode code, absl::Duration latency);

  // One prompt of Generate / StreamGenerate finished: token counts, queue,
  // prefill, decode and first-token times from the engine's result.
  void RecordGeneration(absl::string_view model,
                        const engine::GenerationResult& result);
  // Gap between two chunks of one prompt, spread over `tokens` tokens.
  void RecordInterTokenLatency(absl::string_view model, absl::Duration gap,
                               int tokens);
  void RecordPreprocess(PreprocessStage stage, absl::Duration duration);
  // One media item's decoding and preprocessing; `modality` is "image",
  // "audio" or "video".
  void RecordMediaPreprocess(absl::string_view modality,
                             absl::Duration duration);
  // The soft tokens of one prompt's media (called for prompts with media).
  void RecordPromptMediaSoftTokens(absl::string_view model, int soft_tokens);
  void SetModelLoadTime(absl::string_view model, absl::Duration duration);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Gauge>& rpcs_in_flight_;
  prometheus::Family<prometheus::Histogram>& request_duration_;
  prometheus::Family<prometheus::Histogram>& time_to_first_token_;
  prometheus::Family<prometheus::Histogram>& inter_token_latency_;
  prometheus::Family<prometheus::Histogram>& queue_time_;
  prometheus::Family<prometheus::Histogram>& prefill_time_;
  prometheus::Family<prometheus::Histogram>& decode_time_;
  prometheus::Family<prometheus::Histogram>& prompt_tokens_;
  prometheus::Family<prometheus::Histogram>& generation_tokens_;
  prometheus::Family<prometheus::Counter>& prompt_tokens_total_;
  prometheus::Family<prometheus::Counter>& generation_tokens_total_;
  prometheus::Family<prometheus::Counter>& cached_prompt_tokens_total_;
  prometheus::Family<prometheus::Counter>& finished_;
  prometheus::Family<prometheus::Histogram>& preprocess_;
  prometheus::Family<prometheus::Histogram>& media_preprocess_;
  prometheus::Family<prometheus::Histogram>& media_soft_tokens_;
  prometheus::Family<prometheus::Gauge>& model_load_;
};

}  // namespace gemma::server

#endif  // GEMMA_SERVER_SERVER_METRICS_H_
