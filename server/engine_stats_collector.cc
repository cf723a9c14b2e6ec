#include "server/engine_stats_collector.h"

#include <cstdint>
#include <map>

#include "prometheus/client_metric.h"
#include "prometheus/metric_type.h"

namespace gemma::server {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

struct ModelTotals {
  int64_t waiting = 0;
  int64_t waiting_prompt_tokens = 0;
  int64_t running = 0;
  int64_t batch_sequences = 0;
  int64_t batch_tokens = 0;
  int64_t kv_total = 0;
  int64_t kv_used = 0;
  int64_t prefix_hits = 0;
  int64_t prefix_queries = 0;
  int64_t preemptions = 0;
  int64_t steps = 0;
  int64_t instances = 0;
  // Media counters by modality: image, audio, video (kModalities order).
  engine::EngineStats::MediaCounters media[3];
};

using Counters = engine::EngineStats::MediaCounters;

constexpr const char* kModalities[3] = {"image", "audio", "video"};

void Add(const engine::EngineStats::MediaCounters& from,
         engine::EngineStats::MediaCounters* to) {
  to->items_total += from.items_total;
  to->soft_tokens_total += from.soft_tokens_total;
  to->cache_hits_total += from.cache_hits_total;
  to->encoder_calls_total += from.encoder_calls_total;
  to->encoder_seconds_total += from.encoder_seconds_total;
}

// A counter family with one sample per model and modality.
template <typename F>
MetricFamily ModalityFamily(const char* name, const char* help,
                            const std::map<std::string, ModelTotals>& totals,
                            F value) {
  MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = MetricType::Counter;
  for (const auto& [model, t] : totals) {
    for (int i = 0; i < 3; ++i) {
      ClientMetric m;
      m.label.push_back({"model", model});
      m.label.push_back({"modality", kModalities[i]});
      m.counter.value = static_cast<double>(value(t.media[i]));
      family.metric.push_back(std::move(m));
    }
  }
  return family;
}

// One family, one sample per model, value chosen by `value`.
template <typename F>
MetricFamily Family(const char* name, const char* help, MetricType type,
                    const std::map<std::string, ModelTotals>& totals, F value) {
  MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  for (const auto& [model, t] : totals) {
    ClientMetric m;
    m.label.push_back({"model", model});
    const double v = value(t);
    if (type == MetricType::Counter) {
      m.counter.value = v;
    } else {
      m.gauge.value = v;
    }
    family.metric.push_back(std::move(m));
  }
  return family;
}

}  // namespace

std::vector<std::string> EngineStatsCollector::FamilyNames() {
  std::vector<std::string> names;
  for (const MetricFamily& f : ToFamilies({})) names.push_back(f.name);
  return names;
}

std::vector<MetricFamily> EngineStatsCollector::Collect() const {
  return ToFamilies(engine_.Stats());
}

std::vector<MetricFamily> EngineStatsCollector::ToFamilies(
    const std::vector<engine::EngineStats>& stats) {
  std::map<std::string, ModelTotals> totals;
  for (const engine::EngineStats& s : stats) {
    ModelTotals& t = totals[s.model];
    t.waiting += s.waiting_requests;
    t.waiting_prompt_tokens += s.waiting_prompt_tokens;
    t.running += s.running_sequences;
    t.batch_sequences += s.last_batch_sequences;
    t.batch_tokens += s.last_batch_tokens;
    t.kv_total += s.kv_blocks_total;
    t.kv_used += s.kv_blocks_used;
    t.prefix_hits += s.prefix_cache_hits_total;
    t.prefix_queries += s.prefix_cache_queries_total;
    t.preemptions += s.preemptions_total;
    t.steps += s.steps_total;
    t.instances += 1;
    Add(s.media_image, &t.media[0]);
    Add(s.media_audio, &t.media[1]);
    Add(s.media_video, &t.media[2]);
  }
  const MetricType kGauge = MetricType::Gauge;
  const MetricType kCounter = MetricType::Counter;
  return {
      Family("gemma4_num_requests_waiting",
             "Requests accepted and waiting to be scheduled.", kGauge, totals,
             [](const ModelTotals& t) { return t.waiting; }),
      Family("gemma4_num_requests_running",
             "Sequences in the running batch (prefill or decode).", kGauge,
             totals, [](const ModelTotals& t) { return t.running; }),
      Family("gemma4_waiting_prompt_tokens",
             "Prompt tokens of the waiting requests.", kGauge, totals,
             [](const ModelTotals& t) { return t.waiting_prompt_tokens; }),
      Family("gemma4_batch_size",
             "Sequences in the last engine step, summed over instances.",
             kGauge, totals,
             [](const ModelTotals& t) { return t.batch_sequences; }),
      Family("gemma4_batch_tokens",
             "Tokens in the last engine step, summed over instances.", kGauge,
             totals, [](const ModelTotals& t) { return t.batch_tokens; }),
      Family("gemma4_kv_cache_usage_ratio",
             "Fraction of KV-cache blocks in use, from 0 to 1.", kGauge, totals,
             [](const ModelTotals& t) {
               return t.kv_total > 0
                          ? static_cast<double>(t.kv_used) / t.kv_total
                          : 0.0;
             }),
      Family("gemma4_kv_cache_used_blocks", "KV-cache blocks in use.", kGauge,
             totals, [](const ModelTotals& t) { return t.kv_used; }),
      Family("gemma4_kv_cache_capacity_blocks", "KV-cache blocks in all.",
             kGauge, totals, [](const ModelTotals& t) { return t.kv_total; }),
      Family("gemma4_prefix_cache_queries_total",
             "KV blocks looked up in the prefix cache.", kCounter, totals,
             [](const ModelTotals& t) { return t.prefix_queries; }),
      Family("gemma4_prefix_cache_hits_total",
             "KV blocks reused from the prefix cache.", kCounter, totals,
             [](const ModelTotals& t) { return t.prefix_hits; }),
      Family("gemma4_preemptions_total",
             "Running sequences preempted to free KV-cache blocks.", kCounter,
             totals, [](const ModelTotals& t) { return t.preemptions; }),
      Family("gemma4_engine_steps_total", "Engine steps run.", kCounter, totals,
             [](const ModelTotals& t) { return t.steps; }),
      Family("gemma4_engine_instances", "Engine instances serving the model.",
             kGauge, totals, [](const ModelTotals& t) { return t.instances; }),
      ModalityFamily(
          "gemma4_media_items_total",
          "Media items accepted, by modality (images, audio clips, video "
          "frames).",
          totals, [](const Counters& c) { return c.items_total; }),
      ModalityFamily("gemma4_media_soft_tokens_total",
                     "Soft tokens of the accepted media items, by modality.",
                     totals,
                     [](const Counters& c) { return c.soft_tokens_total; }),
      ModalityFamily(
          "gemma4_media_cache_hits_total",
          "Media items served from the encoder cache (no tower call), by "
          "modality.",
          totals, [](const Counters& c) { return c.cache_hits_total; }),
      ModalityFamily(
          "gemma4_media_encoder_calls_total",
          "Vision/audio tower calls, by modality (one per video frame).",
          totals, [](const Counters& c) { return c.encoder_calls_total; }),
      ModalityFamily("gemma4_media_encoder_seconds_total",
                     "Seconds spent in vision/audio tower calls, by modality.",
                     totals,
                     [](const Counters& c) { return c.encoder_seconds_total; }),
  };
}

}  // namespace gemma::server
