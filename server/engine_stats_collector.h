// Exposes the engine's live state as Prometheus metrics, read from
// Engine::Stats() at scrape time (no polling thread, never stale): queued
// and running requests, batch size, KV-cache use, prefix-cache hits,
// preemptions. Instances of one model are summed into one series per model,
// which is what a load balancer (e.g. the Gateway API Inference Extension's
// endpoint picker) reads. See server/METRICS.md.
// Thread-safety: Collect() may run concurrently with anything; the engine
// must outlive this object (and its registration with the exposer).
#ifndef GEMMA_SERVER_ENGINE_STATS_COLLECTOR_H_
#define GEMMA_SERVER_ENGINE_STATS_COLLECTOR_H_

#include <string>
#include <vector>

#include "engine/engine.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace gemma::server {

class EngineStatsCollector : public prometheus::Collectable {
 public:
  // `engine` is borrowed and must outlive this collector.
  explicit EngineStatsCollector(const engine::Engine& engine)
      : engine_(engine) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

  // The families Collect() returns (for tests and docs).
  static std::vector<std::string> FamilyNames();

  // Pure conversion, separated for tests.
  static std::vector<prometheus::MetricFamily> ToFamilies(
      const std::vector<engine::EngineStats>& stats);

 private:
  const engine::Engine& engine_;
};

}  // namespace gemma::server

#endif  // GEMMA_SERVER_ENGINE_STATS_COLLECTOR_H_
