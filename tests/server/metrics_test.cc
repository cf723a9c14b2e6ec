#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/metric_type.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "server/engine_stats_collector.h"
#include "server/media_conversion.h"
#include "server/server_metrics.h"

namespace gemma::server {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;

std::vector<MetricFamily> AllFamilies(prometheus::Registry& registry) {
  std::vector<MetricFamily> families = registry.Collect();
  std::vector<engine::EngineStats> stats(2);
  stats[0].model = stats[1].model = "m";
  for (const MetricFamily& f : EngineStatsCollector::ToFamilies(stats)) {
    families.push_back(f);
  }
  return families;
}

void RecordSomething(ServerMetrics& metrics) {
  metrics.RpcStarted("Generate");
  engine::GenerationResult result;
  result.usage.prompt_tokens = 10;
  result.usage.completion_tokens = 3;
  result.usage.cached_tokens = 4;
  result.timings.time_to_first_token = absl::Milliseconds(20);
  metrics.RecordGeneration("m", result);
  metrics.RecordInterTokenLatency("m", absl::Milliseconds(30), 3);
  metrics.RecordPreprocess(PreprocessStage::kTokenize, absl::Microseconds(50));
  metrics.RecordMediaPreprocess("image", absl::Milliseconds(3));
  metrics.RecordPromptMediaSoftTokens("m", 60);
  metrics.SetModelLoadTime("m", absl::Seconds(2));
  metrics.RpcFinished("Generate", "m", absl::StatusCode::kOk,
                      absl::Milliseconds(80));
}

// Prometheus conventions: a common prefix, `_total` exactly on counters,
// base units (`_seconds`) on durations, snake_case.
TEST(MetricsNamingTest, FollowsPrometheusConventions) {
  prometheus::Registry registry;
  ServerMetrics metrics(registry);
  RecordSomething(metrics);
  const std::vector<MetricFamily> families = AllFamilies(registry);
  std::set<std::string> names;
  for (const MetricFamily& f : families) {
    SCOPED_TRACE(f.name);
    names.insert(f.name);
    EXPECT_TRUE(absl::StartsWith(f.name, "gemma4_"));
    EXPECT_EQ(f.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_"),
              std::string::npos);
    EXPECT_EQ(absl::EndsWith(f.name, "_total"), f.type == MetricType::Counter);
    EXPECT_FALSE(absl::StrContains(f.name, "_ms"));
    EXPECT_FALSE(absl::StrContains(f.name, "millis"));
    EXPECT_FALSE(f.help.empty());
    if (absl::StrContains(f.name, "time") ||
        absl::StrContains(f.name, "duration") ||
        absl::StrContains(f.name, "latency")) {
      EXPECT_TRUE(absl::EndsWith(f.name, "_seconds"));
    }
  }
  for (const std::string& name : ServerMetrics::FamilyNames()) {
    EXPECT_TRUE(names.count(name)) << name;
  }
  for (const std::string& name : EngineStatsCollector::FamilyNames()) {
    EXPECT_TRUE(names.count(name)) << name;
  }
}

// Every metric is documented in server/METRICS.md.
TEST(MetricsNamingTest, EveryMetricIsDocumented) {
  std::ifstream file(std::string(GEMMA_SOURCE_DIR) + "/server/METRICS.md");
  ASSERT_TRUE(file.good());
  std::stringstream doc;
  doc << file.rdbuf();
  std::vector<std::string> names = ServerMetrics::FamilyNames();
  for (const std::string& n : EngineStatsCollector::FamilyNames()) {
    names.push_back(n);
  }
  for (const std::string& name : names) {
    EXPECT_TRUE(absl::StrContains(doc.str(), "`" + name + "`")) << name;
  }
}

TEST(ServerMetricsTest, RecordsLabelsAndValues) {
  prometheus::Registry registry;
  ServerMetrics metrics(registry);
  RecordSomething(metrics);
  metrics.RpcStarted("Generate");
  metrics.RpcFinished("Generate", "", absl::StatusCode::kNotFound,
                      absl::Milliseconds(1));
  const std::string text =
      prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_THAT(
      text,
      ::testing::HasSubstr(
          R"(gemma4_requests_total{code="OK",model="m",rpc="Generate"} 1)"));
  // Unknown model names do not become labels.
  EXPECT_THAT(
      text,
      ::testing::HasSubstr(
          R"(gemma4_requests_total{code="NOT_FOUND",model="unknown",rpc="Generate"} 1)"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        R"(gemma4_prompt_tokens_total{model="m"} 10)"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        R"(gemma4_generation_tokens_total{model="m"} 3)"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        R"(gemma4_cached_prompt_tokens_total{model="m"} 4)"));
  EXPECT_THAT(text,
              ::testing::HasSubstr(
                  R"(gemma4_inter_token_latency_seconds_count{model="m"} 3)"));
  EXPECT_THAT(
      text, ::testing::HasSubstr(R"(gemma4_rpcs_in_flight{rpc="Generate"} 0)"));
  EXPECT_THAT(
      text,
      ::testing::HasSubstr(
          R"(gemma4_preprocess_duration_seconds_count{stage="tokenize"} 1)"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        R"(gemma4_model_load_duration_seconds{model="m"} 2)"));
}

// The front end's media report of one prompt: each item's preprocessing
// time under its modality, the prompt's soft tokens once.
TEST(ServerMetricsTest, MediaReportIsRecordedPerModality) {
  prometheus::Registry registry;
  ServerMetrics metrics(registry);
  engine::MediaReport report;
  report.items.push_back(
      {engine::MediaBlob::Kind::kVideo, absl::Milliseconds(300), 3 * 20, 3});
  report.items.push_back(
      {engine::MediaBlob::Kind::kImage, absl::Milliseconds(2), 60, 0});
  report.items.push_back(
      {engine::MediaBlob::Kind::kVideo, absl::Milliseconds(40), 20, 1});
  RecordMediaReport(&metrics, "m", report);
  RecordMediaReport(&metrics, "m", engine::MediaReport());  // No media.
  RecordMediaReport(nullptr, "m", report);                  // No metrics.
  const std::string text =
      prometheus::TextSerializer().Serialize(registry.Collect());
  using ::testing::HasSubstr;
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(gemma4_media_preprocess_duration_seconds_count{modality="video"} 2)"));
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(gemma4_media_preprocess_duration_seconds_sum{modality="video"} 0.34)"));
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(gemma4_media_preprocess_duration_seconds_count{modality="image"} 1)"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr(R"(modality="audio")")));
  // 0.3 s falls in the (0.25, 0.5] bucket: 1 video item at le=0.25.
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(gemma4_media_preprocess_duration_seconds_bucket{modality="video",le="0.25"} 1)"));
  EXPECT_THAT(
      text,
      HasSubstr(R"(gemma4_request_media_soft_tokens_count{model="m"} 1)"));
  EXPECT_THAT(
      text,
      HasSubstr(R"(gemma4_request_media_soft_tokens_sum{model="m"} 140)"));
}

// Media counters are exported per model and modality, instances summed.
TEST(EngineStatsCollectorTest, MediaCountersByModality) {
  std::vector<engine::EngineStats> stats(2);
  stats[0].model = stats[1].model = "a";
  stats[0].media_video.items_total = 32;
  stats[1].media_video.items_total = 4;
  stats[0].media_video.encoder_calls_total = 30;
  stats[0].media_video.cache_hits_total = 2;
  stats[1].media_image.encoder_seconds_total = 0.5;
  stats[0].media_audio.soft_tokens_total = 750;
  const std::string text = prometheus::TextSerializer().Serialize(
      EngineStatsCollector::ToFamilies(stats));
  using ::testing::HasSubstr;
  EXPECT_THAT(
      text,
      HasSubstr(
          "gemma4_media_items_total{model=\"a\",modality=\"video\"} 36\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "gemma4_media_items_total{model=\"a\",modality=\"image\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("gemma4_media_encoder_calls_total{model=\"a\","
                              "modality=\"video\"} 30\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "gemma4_media_cache_hits_total{model=\"a\",modality=\"video\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("gemma4_media_encoder_seconds_total{model=\"a\","
                              "modality=\"image\"} 0.5\n"));
  EXPECT_THAT(text, HasSubstr("gemma4_media_soft_tokens_total{model=\"a\","
                              "modality=\"audio\"} 750\n"));
}

TEST(EngineStatsCollectorTest, SumsInstancesPerModel) {
  std::vector<engine::EngineStats> stats(3);
  stats[0].model = stats[1].model = "a";
  stats[2].model = "b";
  stats[0].waiting_requests = 2;
  stats[1].waiting_requests = 3;
  stats[0].running_sequences = 4;
  stats[0].kv_blocks_total = stats[1].kv_blocks_total = 10;
  stats[0].kv_blocks_used = 5;
  stats[1].kv_blocks_used = 10;
  stats[1].preemptions_total = 7;
  stats[2].waiting_requests = 1;
  const std::string text = prometheus::TextSerializer().Serialize(
      EngineStatsCollector::ToFamilies(stats));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "gemma4_num_requests_waiting{model=\"a\"} 5\n"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "gemma4_num_requests_waiting{model=\"b\"} 1\n"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "gemma4_num_requests_running{model=\"a\"} 4\n"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "gemma4_kv_cache_usage_ratio{model=\"a\"} 0.75\n"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "gemma4_kv_cache_usage_ratio{model=\"b\"} 0\n"));
  EXPECT_THAT(
      text, ::testing::HasSubstr("gemma4_preemptions_total{model=\"a\"} 7\n"));
  EXPECT_THAT(text,
              ::testing::HasSubstr("gemma4_engine_instances{model=\"a\"} 2\n"));
  EXPECT_THAT(text,
              ::testing::HasSubstr("# TYPE gemma4_preemptions_total counter"));
}

}  // namespace
}  // namespace gemma::server
