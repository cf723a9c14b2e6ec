// Load benchmark of the continuous-batching engine, in process: for each
// concurrency level it submits that many requests at once and reports
// generated tokens/s, p50/p99 time to first token and p50/p99 inter-token
// latency; a one-request-at-a-time run of the same engine in the same
// process is the baseline, and each level prints its throughput ratio to it
// (target: >= 8x at 16 streams).
//
// Default model: Gemma 4 E2B dimensions with random bf16 weights (about
// 9 GB of RAM; run it rarely, not in CI). The tokenizer only turns ids into
// text, so any Gemma tokenizer directory works (--tokenizer_dir).
//
// grpc_load_bench runs the same kind of load through the real gRPC server.
//
//   load_bench --tokenizer_dir=testdata/golden/e2b_like/hf
//       --threads=2 --levels=1,2,4,8,16,32
#include <algorithm>
#include <cstdint>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "engine/model_pool.h"
#include "engine/scheduler.h"

ABSL_FLAG(std::string, config, "e2b", "NamedConfig of the random model");
ABSL_FLAG(std::string, model_dir, "",
          "Checkpoint directory instead of random weights");
ABSL_FLAG(std::string, tokenizer_dir, "testdata/golden/e2b_like/hf",
          "Tokenizer directory (random weights)");
ABSL_FLAG(bool, f32, false, "Random weights in float32 instead of bf16");
ABSL_FLAG(int, threads, 2, "Threads of the engine instance");
ABSL_FLAG(int, prompt_tokens, 128, "Prompt length per request");
ABSL_FLAG(int, new_tokens, 32, "Generated tokens per request");
ABSL_FLAG(std::string, levels, "1,2,4,8,16,32", "Concurrency levels");
ABSL_FLAG(int, baseline_requests, 2, "Requests in the sequential baseline");
ABSL_FLAG(int64_t, kv_cache_tokens, 32768, "KV pool size in tokens");
ABSL_FLAG(int, max_batch_tokens,
          gemma::engine::SchedulerOptions{}.max_batch_tokens,
          "Token budget per engine step");

namespace gemma::engine {
namespace {

// Records when each chunk arrived.
class TimingSink : public RequestSink {
 public:
  explicit TimingSink(absl::Time submitted) : submitted_(submitted) {}
  void OnChunk(GenerationChunk chunk) override {
    absl::MutexLock lock(&mu_);
    const absl::Time now = absl::Now();
    for (size_t i = 0; i < chunk.token_ids.size(); ++i) times_.push_back(now);
  }
  void OnDone(GenerationResult result) override {
    absl::MutexLock lock(&mu_);
    done_ = true;
    status_ = result.status;
  }
  void Wait() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&done_));
  }
  std::vector<absl::Time> times() const {
    absl::MutexLock lock(&mu_);
    return times_;
  }
  absl::Status status() const {
    absl::MutexLock lock(&mu_);
    return status_;
  }
  absl::Time submitted() const { return submitted_; }

 private:
  const absl::Time submitted_;
  mutable absl::Mutex mu_;
  std::vector<absl::Time> times_;
  bool done_ = false;
  absl::Status status_;
};

struct LevelResult {
  int concurrency = 0;
  int64_t tokens = 0;
  double seconds = 0;
  // Steady-state decode: tokens that arrived once every request of a wave
  // had its first token, over the time they took (prefill excluded).
  int64_t decode_tokens = 0;
  double decode_seconds = 0;
  std::vector<double> ttft_ms, itl_ms;
};

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * v.size()));
  return v[i];
}

Request MakeRequest(int index, std::shared_ptr<RequestSink> sink) {
  std::mt19937 rng(index);
  Request r;
  r.model = "bench";
  PromptInput in;
  in.token_ids.push_back(2);
  // Distinct prompts (no prefix-cache help), ids inside every Gemma vocab.
  for (int i = 1; i < absl::GetFlag(FLAGS_prompt_tokens); ++i) {
    in.token_ids.push_back(300 + rng() % 400);
  }
  r.prompts.push_back(std::move(in));
  r.params.max_new_tokens = absl::GetFlag(FLAGS_new_tokens);
  r.params.stop_mode = StopTokensMode::kNone;
  r.sink = std::move(sink);
  return r;
}

// Runs `total` requests with at most `concurrency` in flight (all at once
// when equal).
LevelResult RunLevel(Engine& engine, int concurrency, int total,
                     int* next_index) {
  LevelResult out;
  out.concurrency = concurrency;
  const absl::Time start = absl::Now();
  std::vector<std::shared_ptr<TimingSink>> sinks;
  for (int done = 0; done < total; done += concurrency) {
    std::vector<std::shared_ptr<TimingSink>> wave;
    for (int i = 0; i < concurrency && done + i < total; ++i) {
      auto sink = std::make_shared<TimingSink>(absl::Now());
      absl::Status st = engine.Submit(MakeRequest((*next_index)++, sink));
      if (!st.ok()) {
        std::cerr << "submit failed: " << st << "\n";
        continue;
      }
      wave.push_back(sink);
    }
    for (auto& s : wave) s->Wait();
    absl::Time all_started = absl::InfinitePast(), last = absl::InfinitePast();
    for (auto& s : wave) {
      const std::vector<absl::Time> t = s->times();
      if (t.empty()) continue;
      all_started = std::max(all_started, t.front());
      last = std::max(last, t.back());
    }
    for (auto& s : wave) {
      for (absl::Time t : s->times()) out.decode_tokens += t > all_started;
    }
    if (last > all_started) {
      out.decode_seconds += absl::ToDoubleSeconds(last - all_started);
    }
    sinks.insert(sinks.end(), wave.begin(), wave.end());
  }
  out.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  for (auto& s : sinks) {
    if (!s->status().ok()) std::cerr << "request failed: " << s->status();
    const std::vector<absl::Time> t = s->times();
    out.tokens += t.size();
    if (t.empty()) continue;
    out.ttft_ms.push_back(absl::ToDoubleMilliseconds(t[0] - s->submitted()));
    for (size_t i = 1; i < t.size(); ++i) {
      out.itl_ms.push_back(absl::ToDoubleMilliseconds(t[i] - t[i - 1]));
    }
  }
  return out;
}

double DecodeRate(const LevelResult& r) {
  return r.decode_seconds > 0 ? r.decode_tokens / r.decode_seconds : 0;
}

void Print(const std::string& label, const LevelResult& r,
           const LevelResult& base) {
  const double tps = r.tokens / r.seconds;
  const double base_tps = base.tokens / base.seconds;
  const double dec = DecodeRate(r), base_dec = DecodeRate(base);
  std::cout << absl::StrFormat(
      "%-10s %4d %7d %8.2f %7.2fx %8.2f %7.2fx %9.1f %9.1f %8.1f %8.1f\n",
      label, r.concurrency, r.tokens, tps, tps / base_tps, dec,
      base_dec > 0 ? dec / base_dec : 0.0, Percentile(r.ttft_ms, 0.5),
      Percentile(r.ttft_ms, 0.99), Percentile(r.itl_ms, 0.5),
      Percentile(r.itl_ms, 0.99));
}

int Main() {
  ModelSpec spec;
  spec.name = "bench";
  if (!absl::GetFlag(FLAGS_model_dir).empty()) {
    spec.dir = absl::GetFlag(FLAGS_model_dir);
  } else {
    spec.random_config = absl::GetFlag(FLAGS_config);
    spec.random_dtype =
        absl::GetFlag(FLAGS_f32) ? model::DType::kF32 : model::DType::kBF16;
    spec.tokenizer_dir = absl::GetFlag(FLAGS_tokenizer_dir);
  }
  spec.threads = absl::GetFlag(FLAGS_threads);
  spec.kv_cache_tokens = absl::GetFlag(FLAGS_kv_cache_tokens);
  spec.scheduler.max_batch_tokens = absl::GetFlag(FLAGS_max_batch_tokens);
  spec.scheduler.max_running = 64;
  spec.queue.max_requests = 1024;
  PoolOptions options;
  options.total_threads = spec.threads;
  std::cout << "loading " << (spec.dir.empty() ? spec.random_config : spec.dir)
            << " ..." << std::endl;
  absl::StatusOr<std::unique_ptr<ModelPool>> pool =
      ModelPool::Create({spec}, options);
  if (!pool.ok()) {
    std::cerr << pool.status() << "\n";
    return 1;
  }
  std::vector<int> levels;
  for (absl::string_view s : absl::StrSplit(absl::GetFlag(FLAGS_levels), ',')) {
    int v;
    if (!absl::SimpleAtoi(s, &v) || v < 1) {
      std::cerr << "bad --levels entry '" << s << "'\n";
      return 1;
    }
    levels.push_back(v);
  }
  int index = 0;
  RunLevel(**pool, 1, 1, &index);  // Warm-up (first-touch of the weights).
  std::cout << absl::StrFormat(
      "prompt %d tokens, %d new tokens per request, %d threads\n",
      absl::GetFlag(FLAGS_prompt_tokens), absl::GetFlag(FLAGS_new_tokens),
      spec.threads);
  std::cout << "tok/s: generated tokens over wall time (prefill included); "
               "decode: steady-state decode tokens/s once every stream "
               "started; ratios to the sequential baseline; times in ms\n";
  std::cout << absl::StrFormat(
      "%-10s %4s %7s %8s %8s %8s %8s %9s %9s %8s %8s\n", "run", "conc",
      "tokens", "tok/s", "ratio", "decode", "ratio", "ttft_p50", "ttft_p99",
      "itl_p50", "itl_p99");
  // Baseline: the same engine, one request at a time.
  const LevelResult base =
      RunLevel(**pool, 1, absl::GetFlag(FLAGS_baseline_requests), &index);
  Print("sequential", base, base);
  for (int level : levels) {
    Print("batched", RunLevel(**pool, level, level, &index), base);
  }
  for (const EngineStats& st : (*pool)->Stats()) {
    std::cout << absl::StrFormat(
        "steps %d, preemptions %d, prefix hits %d/%d, KV blocks %d\n",
        st.steps_total, st.preemptions_total, st.prefix_cache_hits_total,
        st.prefix_cache_queries_total, st.kv_blocks_total);
  }
  return 0;
}

}  // namespace
}  // namespace gemma::engine

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return gemma::engine::Main();
}
