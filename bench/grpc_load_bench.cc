// Load benchmark of gemma4-server over gRPC: the real server (model pool,
// GemmaService, gRPC server on 127.0.0.1) in this process, driven only
// through StreamGenerate by client threads. For each concurrency level it
// reports generated tokens/s, steady-state decode tokens/s and p50/p99 of
// time to first token and inter-token latency, for the same load served
//   batched        by continuous batching (max_running = --max_running), and
//   one-at-a-time  one sequence at a time, in the same run:
//     --baseline=engine (default): a second engine of the same spec whose
//       scheduler runs one sequence at a time (SchedulerOptions::
//       max_running = 1), loaded after the batched one is freed; the
//       level's streams are sent at once and queue in the engine;
//     --baseline=client: the batched engine itself, sent the level's
//       requests one after another (each counted as sent at the level's
//       start, so TTFT includes the wait); no second load.
// Ratios batched / one-at-a-time are printed per level, and PASS/FAIL lines
// for the targets at --target_level streams: decode throughput at least
// --target_decode_ratio x the one-at-a-time engine's, and p99 inter-token
// latency under --target_itl_ratio x the single-stream (one-at-a-time)
// value.
//
// Default model: Gemma 4 E2B dimensions with random bf16 weights (text
// only). Heavy: run it by hand, not in CI; --config=tiny is the smoke mode.
// The one-at-a-time engine serves a level's streams one after another, so
// replaying every level through it costs the sum of all levels' requests;
// --baseline_max_streams caps the streams it is offered (its throughput and
// inter-token latency do not depend on them; its TTFT does, so the TTFT
// ratio is printed only where the loads are the same).
//
//   grpc_load_bench --tokenizer_dir=testdata/golden/e2b_like/hf
//       --threads=2 --levels=1,2,4,8,16,32
#include <algorithm>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "bench/bench_server.h"
#include "bench/grpc_load_client.h"
#include "bench/load_stats.h"
#include "engine/model_pool.h"
#include "engine/scheduler.h"

ABSL_FLAG(std::string, config, "e2b",
          "Named config of the random-weight model (e2b, tiny, ...)");
ABSL_FLAG(std::string, model_dir, "",
          "Checkpoint directory instead of random weights");
ABSL_FLAG(std::string, tokenizer_dir, "testdata/golden/e2b_like/hf",
          "Tokenizer directory for random weights (any Gemma tokenizer)");
ABSL_FLAG(bool, f32, false, "Random weights in float32 instead of bf16");
ABSL_FLAG(int, threads, 2, "Cores of the engine");
ABSL_FLAG(int, prompt_tokens, 128, "Prompt length per request (BOS included)");
ABSL_FLAG(int, new_tokens, 256,
          "Generated tokens per request (EOS ignored); enough that every "
          "stream of a level is still decoding when the last one starts");
ABSL_FLAG(std::string, levels, "1,2,4,8,16,32", "Concurrency levels");
ABSL_FLAG(int, baseline_max_streams, 0,
          "Streams offered to the one-at-a-time engine at most (0: the "
          "level's, the same load); its throughput does not depend on them");
ABSL_FLAG(std::string, baseline, "engine",
          "One-at-a-time baseline: 'engine' (a second engine of the same "
          "spec with max_running 1, loaded after the batched one) or "
          "'client' (the batched engine itself, sent the level's requests "
          "one after another; no second load)");
ABSL_FLAG(bool, warm_each_level, true,
          "Run each batched level once untimed first, so that the timed run "
          "finds the matmul primitives of its row counts made (as in a "
          "server that has been up a while)");
ABSL_FLAG(int, max_running, gemma::engine::SchedulerOptions{}.max_running,
          "Sequences the batched engine runs at once");
ABSL_FLAG(int, max_batch_tokens,
          gemma::engine::SchedulerOptions{}.max_batch_tokens,
          "Token budget per engine step");
ABSL_FLAG(int, log_verbosity, 0,
          "Log verbosity (2: one line per engine step on stderr)");
ABSL_FLAG(double, max_itl_stretch,
          gemma::engine::SchedulerOptions{}.max_itl_stretch,
          "Bound on how much prefill stretches a decode step (0: none)");
ABSL_FLAG(int64_t, kv_cache_tokens, 0,
          "KV pool in token positions (0: enough for the largest level)");
ABSL_FLAG(int, target_level, 16, "Level the PASS/FAIL targets are read at");
ABSL_FLAG(double, target_decode_ratio, 8.0,
          "Target: batched decode tokens/s over one-at-a-time at least this");
ABSL_FLAG(double, target_itl_ratio, 3.0,
          "Target: p99 inter-token latency under this x the single-stream");

namespace gemma::bench {
namespace {

constexpr char kModel[] = "bench";

struct Level {
  int streams = 0;
  LoadSummary one_at_a_time, batched;
};

absl::StatusOr<std::vector<int>> ParseLevels(const std::string& text) {
  std::vector<int> levels;
  for (absl::string_view s : absl::StrSplit(text, ',')) {
    int v = 0;
    if (!absl::SimpleAtoi(s, &v) || v < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad --levels entry '", s, "': want positive integers"));
    }
    levels.push_back(v);
  }
  return levels;
}

engine::ModelSpec BaseSpec(int max_level) {
  engine::ModelSpec spec;
  spec.name = kModel;
  if (!absl::GetFlag(FLAGS_model_dir).empty()) {
    spec.dir = absl::GetFlag(FLAGS_model_dir);
  } else {
    spec.random_config = absl::GetFlag(FLAGS_config);
    spec.random_dtype =
        absl::GetFlag(FLAGS_f32) ? model::DType::kF32 : model::DType::kBF16;
    spec.tokenizer_dir = absl::GetFlag(FLAGS_tokenizer_dir);
  }
  spec.load_vision = false;
  spec.load_audio = false;
  spec.threads = absl::GetFlag(FLAGS_threads);
  int64_t kv = absl::GetFlag(FLAGS_kv_cache_tokens);
  if (kv <= 0) {
    const int per_seq = absl::GetFlag(FLAGS_prompt_tokens) +
                        absl::GetFlag(FLAGS_new_tokens) + 2 * spec.block_size;
    kv = int64_t{max_level} * per_seq + 1024;
  }
  spec.kv_cache_tokens = kv;
  spec.scheduler.max_batch_tokens = absl::GetFlag(FLAGS_max_batch_tokens);
  spec.scheduler.max_itl_stretch = absl::GetFlag(FLAGS_max_itl_stretch);
  spec.queue.max_requests = 4096;
  return spec;
}

std::string Row(int level, const std::string& engine, const LoadSummary& s) {
  return absl::StrFormat(
      "%5d  %-13s %7d %7d %9.2f %9.2f %9.1f %9.1f %8.1f %8.1f", level, engine,
      s.streams, s.tokens, s.tokens_per_second, s.decode_tokens_per_second,
      s.ttft_p50_ms, s.ttft_p99_ms, s.itl_p50_ms, s.itl_p99_ms);
}

std::string Header() {
  return absl::StrFormat("%5s  %-13s %7s %7s %9s %9s %9s %9s %8s %8s", "level",
                         "engine", "streams", "tokens", "tok/s", "decode/s",
                         "ttft_p50", "ttft_p99", "itl_p50", "itl_p99");
}

std::string Ratio(double a, double b) {
  return b > 0 ? absl::StrFormat("%.2fx", a / b) : std::string("-");
}

// Loads `spec`, serves it over gRPC and, after a one-request warm-up that
// first-touches the weights, runs every level of `table`: the concurrent
// load (`batched`: fills Level::batched; with --warm_each_level after an
// untimed pass of the same load) and/or the one-at-a-time load
// (`baseline`: fills Level::one_at_a_time; at most --baseline_max_streams
// streams).
absl::Status ServeAndRun(const std::string& label,
                         const engine::ModelSpec& spec, bool batched,
                         std::optional<Offer> baseline, int* next_index,
                         std::vector<Level>* table) {
  const absl::Time load_start = absl::Now();
  GEMMA_ASSIGN_OR_RETURN(
      std::unique_ptr<BenchServer> server,
      BenchServer::Start(spec, absl::GetFlag(FLAGS_threads), "127.0.0.1"));
  std::cout << absl::StrFormat(
                   "[%s engine] max_running %d, serving on %s (loaded in "
                   "%.1f s)",
                   label, spec.scheduler.max_running, server->target(),
                   absl::ToDoubleSeconds(absl::Now() - load_start))
            << std::endl;
  LoadShape shape;
  shape.target = server->target();
  shape.model = kModel;
  shape.prompt_tokens = absl::GetFlag(FLAGS_prompt_tokens);
  shape.new_tokens = absl::GetFlag(FLAGS_new_tokens);
  GEMMA_ASSIGN_OR_RETURN(
      LoadRun warm_up, RunLoad(shape, 1, (*next_index)++, Offer::kConcurrent));
  std::cout << absl::StrFormat("[%s engine] warm-up request: %.1f s", label,
                               warm_up.wall_seconds)
            << std::endl;
  const int cap = absl::GetFlag(FLAGS_baseline_max_streams);
  for (Level& level : *table) {
    if (batched && absl::GetFlag(FLAGS_warm_each_level)) {
      GEMMA_RETURN_IF_ERROR(
          RunLoad(shape, level.streams, *next_index, Offer::kConcurrent)
              .status());
      *next_index += level.streams;
    }
    if (batched) {
      GEMMA_ASSIGN_OR_RETURN(
          LoadRun run,
          RunLoad(shape, level.streams, *next_index, Offer::kConcurrent));
      *next_index += level.streams;
      level.batched = Summarize(run);
      std::cout << Row(level.streams, "batched", level.batched) << std::endl;
    }
    if (baseline.has_value()) {
      const int streams =
          cap > 0 ? std::min(level.streams, cap) : level.streams;
      GEMMA_ASSIGN_OR_RETURN(LoadRun run,
                             RunLoad(shape, streams, *next_index, *baseline));
      *next_index += streams;
      level.one_at_a_time = Summarize(run);
      std::cout << Row(level.streams, "one-at-a-time", level.one_at_a_time)
                << std::endl;
    }
  }
  for (const engine::EngineStats& st : server->Stats()) {
    std::cout << absl::StrFormat(
                     "[%s engine] steps %d, preemptions %d, prefix-cache "
                     "block hits %d/%d, KV blocks %d",
                     label, st.steps_total, st.preemptions_total,
                     st.prefix_cache_hits_total, st.prefix_cache_queries_total,
                     st.kv_blocks_total)
              << std::endl;
  }
  return absl::OkStatus();
}

// PASS/FAIL lines for the targets; SKIP when the level was not run.
void PrintTargets(const std::vector<Level>& levels, double single_itl_p99) {
  const int target = absl::GetFlag(FLAGS_target_level);
  const double want_decode = absl::GetFlag(FLAGS_target_decode_ratio);
  const double want_itl = absl::GetFlag(FLAGS_target_itl_ratio);
  const Level* at = nullptr;
  for (const Level& l : levels) {
    if (l.streams == target) at = &l;
  }
  if (at == nullptr) {
    std::cout << "SKIP: targets are read at " << target
              << " streams, which --levels does not include\n";
    return;
  }
  const double base = at->one_at_a_time.decode_tokens_per_second;
  const double decode_ratio =
      base > 0 ? at->batched.decode_tokens_per_second / base : 0;
  std::cout << absl::StrFormat(
      "%s: decode throughput at %d streams: %.2f tok/s = %.2fx the "
      "one-at-a-time engine's %.2f tok/s (target >= %.1fx)\n",
      decode_ratio >= want_decode ? "PASS" : "FAIL", target,
      at->batched.decode_tokens_per_second, decode_ratio, base, want_decode);
  const double itl_ratio =
      single_itl_p99 > 0 ? at->batched.itl_p99_ms / single_itl_p99 : 0;
  std::cout << absl::StrFormat(
      "%s: p99 inter-token latency at %d streams: %.1f ms = %.2fx the "
      "single-stream %.1f ms (target < %.1fx)\n",
      single_itl_p99 > 0 && itl_ratio < want_itl ? "PASS" : "FAIL", target,
      at->batched.itl_p99_ms, itl_ratio, single_itl_p99, want_itl);
}

int Main() {
  absl::StatusOr<std::vector<int>> levels =
      ParseLevels(absl::GetFlag(FLAGS_levels));
  if (!levels.ok()) {
    std::cerr << levels.status().message() << "\n";
    return 2;
  }
  const std::string baseline = absl::GetFlag(FLAGS_baseline);
  if (baseline != "engine" && baseline != "client") {
    std::cerr << "--baseline must be 'engine' or 'client', not '" << baseline
              << "'\n";
    return 2;
  }
  if (absl::GetFlag(FLAGS_prompt_tokens) < 1 ||
      absl::GetFlag(FLAGS_new_tokens) < 2) {
    std::cerr << "--prompt_tokens must be >= 1 and --new_tokens >= 2 (the "
                 "inter-token latency needs two tokens)\n";
    return 2;
  }
  const int max_level = *std::max_element(levels->begin(), levels->end());
  const engine::ModelSpec spec = BaseSpec(max_level);
  std::cout << absl::StrFormat(
      "model %s (%s), %d threads, prompt %d tokens, %d new tokens per "
      "request, KV pool %d tokens, step budget %d tokens, ITL stretch "
      "bound %.2g\n",
      spec.dir.empty() ? spec.random_config : spec.dir,
      spec.dir.empty()
          ? (absl::GetFlag(FLAGS_f32) ? "random f32" : "random bf16")
          : "checkpoint",
      absl::GetFlag(FLAGS_threads), absl::GetFlag(FLAGS_prompt_tokens),
      absl::GetFlag(FLAGS_new_tokens), spec.kv_cache_tokens,
      spec.scheduler.max_batch_tokens, spec.scheduler.max_itl_stretch);
  std::cout << "tok/s: generated tokens over wall time (prefill included); "
               "decode/s: tokens while every stream was decoding, over that "
               "time; times in ms, measured by the gRPC clients\n"
            << Header() << std::endl;

  std::vector<Level> table;
  for (int level : *levels) table.push_back({level, {}, {}});
  int next_index = 0;
  engine::ModelSpec batched_spec = spec;
  batched_spec.scheduler.max_running = absl::GetFlag(FLAGS_max_running);
  absl::Status status;
  if (baseline == "engine") {
    status = ServeAndRun("batched", batched_spec, true, std::nullopt,
                         &next_index, &table);
    engine::ModelSpec sequential_spec = spec;
    sequential_spec.scheduler.max_running = 1;
    if (status.ok()) {
      status = ServeAndRun("one-at-a-time", sequential_spec, false,
                           Offer::kConcurrentToOneAtATimeServer, &next_index,
                           &table);
    }
  } else {
    status = ServeAndRun("batched", batched_spec, true, Offer::kOneAfterAnother,
                         &next_index, &table);
  }
  if (!status.ok()) {
    std::cerr << "grpc_load_bench: " << status << "\n";
    return 1;
  }

  // Every one-at-a-time stream decodes alone: the single-stream p99 is the
  // one-at-a-time engine's at the smallest level.
  const Level& smallest = *std::min_element(
      table.begin(), table.end(),
      [](const Level& a, const Level& b) { return a.streams < b.streams; });
  const double single_itl_p99 = smallest.one_at_a_time.itl_p99_ms;

  std::cout << "\nSummary (same engine spec, same run; ratio = batched / "
               "one-at-a-time)\n"
            << Header() << "\n";
  for (const Level& l : table) {
    std::cout << Row(l.streams, "one-at-a-time", l.one_at_a_time) << "\n"
              << Row(l.streams, "batched", l.batched) << "\n";
  }
  std::cout << absl::StrFormat("\n%5s %11s %12s %16s %18s\n", "level",
                               "tok/s ratio", "decode ratio", "ttft_p99 ratio",
                               "itl_p99/single");
  for (const Level& l : table) {
    std::cout << absl::StrFormat(
        "%5d %11s %12s %16s %18s\n", l.streams,
        Ratio(l.batched.tokens_per_second, l.one_at_a_time.tokens_per_second),
        Ratio(l.batched.decode_tokens_per_second,
              l.one_at_a_time.decode_tokens_per_second),
        // Queueing makes the one-at-a-time TTFT depend on the streams.
        l.one_at_a_time.streams == l.batched.streams
            ? Ratio(l.batched.ttft_p99_ms, l.one_at_a_time.ttft_p99_ms)
            : std::string("-"),
        Ratio(l.batched.itl_p99_ms, single_itl_p99));
  }
  std::cout << "\n";
  PrintTargets(table, single_itl_p99);
  std::cout << absl::StrFormat("peak RSS %.0f MiB\n", PeakRssMiB());
  return 0;
}

}  // namespace
}  // namespace gemma::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  gemma::SetLogVerbosity(absl::GetFlag(FLAGS_log_verbosity));
  return gemma::bench::Main();
}
