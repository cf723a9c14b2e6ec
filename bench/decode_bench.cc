// Decoder throughput on Gemma 4 E2B dimensions (spec §1.3) with random
// bf16 weights held in memory: prefill tok/s for one prompt, decode tok/s
// for one sequence (greedy), and peak RSS, at 1 and 2 threads, printed with
// the share of the machine's read bandwidth that decode reaches (measured
// in the same process) and, when given, the ratios to a peer's figures
// measured side by side on the same machine:
//
//   decode_bench [--threads=1,2] [--prompt=512] [--decode=64]
//                [--compute=auto|f32|bf16] [--reps=2]
//                [--peer_prefill=P1,P2 --peer_decode=D1,D2]
//
// (e.g. llama.cpp's llama-bench pp512 / tg64 at the same thread counts,
// run alternately with this bench; bench/README.md has the method).
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "bench/list_flags.h"
#include "bench/read_bandwidth.h"
#include "model/checkpoint/checkpoint.h"
#include "model/decoder/gemma4_model.h"
#include "model/ops/bf16_gemv.h"
#include "model/ops/linear.h"

ABSL_FLAG(std::string, threads, "1,2", "comma-separated thread counts");
ABSL_FLAG(int, prompt, 512, "prompt tokens (prefill)");
ABSL_FLAG(int, decode, 64, "decode steps after the prompt");
ABSL_FLAG(std::string, compute, "auto", "auto, f32 or bf16");
ABSL_FLAG(int, gemv_max_rows, -1,
          "bf16 calls with at most this many rows take the streaming kernel "
          "(-1: the library default; 0: oneDNN only)");
ABSL_FLAG(int, reps, 2, "timed repetitions (after one warm-up)");
ABSL_FLAG(std::string, batch, "",
          "comma-separated batch sizes B: after the single-sequence runs, "
          "decode B sequences together (one token each per step, as the "
          "engine batches them; each prefilled with --batch_prompt tokens) "
          "and print step time and tok/s against the first B listed");
ABSL_FLAG(int, batch_prompt, 128, "prompt tokens per sequence of --batch");
ABSL_FLAG(std::string, peer_prefill, "",
          "a peer's prefill tok/s on this machine, one per --threads entry "
          "(prints ratios)");
ABSL_FLAG(std::string, peer_decode, "",
          "a peer's decode tok/s on this machine, one per --threads entry");
ABSL_FLAG(bool, force, false, "run even if MemAvailable looks too small");
ABSL_FLAG(int, layers, 0,
          "smoke runs only: keep E2B's widths and vocabulary but use this "
          "many layers (KV sharing scaled)");

namespace gemma {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// A "Key:   123 kB" field of a /proc file, in kB (-1 if absent).
int64_t ProcKb(const char* file, const char* key) {
  std::ifstream in(file);
  std::string line;
  const size_t n = std::strlen(key);
  while (std::getline(in, line)) {
    if (line.compare(0, n, key) != 0) continue;
    int64_t v = -1;
    if (absl::SimpleAtoi(absl::StripSuffix(
                             absl::StripAsciiWhitespace(line.substr(n)), " kB"),
                         &v)) {
      return v;
    }
  }
  return -1;
}

// Decode steps of `batch` sequences at once, as the engine runs them: each
// sequence has its own blocks, its own prompt and greedy continuation.
// Returns tok/s (all sequences), or a negative value after printing an
// error.
double RunBatch(const model::Gemma4Model& m, const model::TextConfig& text,
                int threads, int batch, int prompt, int steps) {
  constexpr int kBlock = 16;
  const int per_seq = (prompt + steps + 2 + kBlock - 1) / kBlock;
  auto kv = model::KvCache::Create(text, batch * per_seq, kBlock);
  if (!kv.ok()) {
    std::fprintf(stderr, "%s\n", kv.status().ToString().c_str());
    return -1;
  }
  std::mt19937 rng(7 + batch);
  std::uniform_int_distribution<int> tok(3, text.vocab_size - 1);
  std::vector<std::vector<int32_t>> seqs(batch);
  std::vector<std::vector<int>> tables(batch);
  for (int b = 0; b < batch; ++b) {
    for (int i = 0; i < prompt; ++i) seqs[b].push_back(tok(rng));
    seqs[b].reserve(prompt + steps + 2);
    for (int i = 0; i < per_seq; ++i) tables[b].push_back(b * per_seq + i);
  }
  omp_set_num_threads(threads);
  auto state = m.NewState();
  model::ForwardOutput out;
  std::vector<model::ForwardEntry> entries(batch);
  auto step = [&](bool prefill) {
    for (int b = 0; b < batch; ++b) {
      const int start = prefill ? 0 : static_cast<int>(seqs[b].size()) - 1;
      entries[b] = model::ForwardEntry{
          absl::MakeConstSpan(seqs[b]).subspan(start), start, tables[b], false};
    }
    absl::Status s = m.Forward(state.get(), kv->get(), entries, &out);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return false;
    }
    for (int b = 0; b < batch; ++b) {
      const float* row = out.logits_row(b);
      seqs[b].push_back(static_cast<int32_t>(
          std::max_element(row, row + out.vocab_size) - row));
    }
    return true;
  };
  // Prefill, then one untimed step (first-time primitive creation).
  if (!step(true) || !step(false)) return -1;
  const double mm0 = state->runner.matmul_seconds();
  const auto a = Clock::now();
  for (int i = 0; i < steps; ++i) {
    if (!step(false)) return -1;
  }
  const double secs = Seconds(a, Clock::now());
  const double mm = state->runner.matmul_seconds() - mm0;
  const double tok_s = batch * steps / secs;
  std::printf(
      "  batch %2d: decode step %.1f ms, %.2f tok/s, matmuls %.0f%% of the "
      "step",
      batch, 1e3 * secs / steps, tok_s, 100 * mm / secs);
  return tok_s;
}

int Main() {
  const std::vector<int> thread_counts =
      bench::ParsePositiveInts(absl::GetFlag(FLAGS_threads));
  const std::vector<double> peer_prefill =
      bench::ParsePositiveDoubles(absl::GetFlag(FLAGS_peer_prefill));
  const std::vector<double> peer_decode =
      bench::ParsePositiveDoubles(absl::GetFlag(FLAGS_peer_decode));
  const int prompt = absl::GetFlag(FLAGS_prompt);
  const int steps = absl::GetFlag(FLAGS_decode);
  const int reps = std::max(1, absl::GetFlag(FLAGS_reps));
  model::ModelOptions options;
  options.release_packed_weights = true;
  const std::string compute = absl::GetFlag(FLAGS_compute);
  if (compute == "f32") options.compute = model::ModelOptions::Compute::kF32;
  if (compute == "bf16") options.compute = model::ModelOptions::Compute::kBF16;

  auto config_or = model::NamedConfig("e2b");
  if (!config_or.ok()) {
    std::fprintf(stderr, "%s\n", config_or.status().ToString().c_str());
    return 1;
  }
  model::ModelConfig config = *config_or;
  config.vision.reset();  // Text decoder only.
  config.audio.reset();
  config.weights_dtype = model::DType::kBF16;
  const int layers = absl::GetFlag(FLAGS_layers);
  if (layers > 0 && layers < config.text.num_layers) {
    model::TextConfig& t = config.text;
    t.num_layers = layers;
    t.layer_types.resize(layers);
    t.num_kv_shared_layers = layers * 20 / 35;
    if (!t.Validate().ok()) t.num_kv_shared_layers = 0;
    std::printf("SMOKE RUN: %d of E2B's 35 layers; ratios do not apply\n",
                layers);
  }

  const bool bf16 = options.compute != model::ModelOptions::Compute::kF32;
  // bf16 store (~9.3 GB), then packed copies: f32 doubles the matmul part.
  const double scale =
      0.4 + 0.6 * config.text.num_layers / 35.0;  // Tables + head fixed.
  const double need_gb = (bf16 ? 10.5 : 15.5) * scale;
  const double avail_gb = ProcKb("/proc/meminfo", "MemAvailable:") / 1048576.0;
  std::printf("E2B text decoder, random bf16 weights; compute %s\n",
              bf16 ? "bf16" : "f32");
  if (avail_gb < need_gb && !absl::GetFlag(FLAGS_force)) {
    std::fprintf(stderr,
                 "needs about %.1f GB of RAM, MemAvailable is %.1f GB; "
                 "rerun with --force to try anyway\n",
                 need_gb, avail_gb);
    return 1;
  }

  auto t0 = Clock::now();
  auto ckpt = model::MakeRandomCheckpoint(config, 1234);
  if (!ckpt.ok()) {
    std::fprintf(stderr, "%s\n", ckpt.status().ToString().c_str());
    return 1;
  }
  auto t1 = Clock::now();
  auto model_or =
      model::Gemma4Model::Create((*ckpt)->config, (*ckpt)->weights, options);
  if (!model_or.ok()) {
    std::fprintf(stderr, "%s\n", model_or.status().ToString().c_str());
    return 1;
  }
  auto t2 = Clock::now();
  const model::Gemma4Model& m = **model_or;
  std::printf(
      "random weights %.1f s, packing %.1f s, packed %.2f GB (%s)\n",
      Seconds(t0, t1), Seconds(t1, t2), m.packed_bytes() / 1e9,
      m.weight_format() == model::ops::WeightFormat::kBF16 ? "bf16" : "f32");

  const int block = 16;
  const int blocks_needed = (prompt + steps + block) / block + 1;
  auto kv = model::KvCache::Create(config.text, blocks_needed, block);
  if (!kv.ok()) {
    std::fprintf(stderr, "%s\n", kv.status().ToString().c_str());
    return 1;
  }
  std::vector<int> table(blocks_needed);
  for (int i = 0; i < blocks_needed; ++i) table[i] = i;
  std::printf(
      "streaming kernel: %s, oneDNN bf16 matmul: %s\n",
      model::ops::GemvIsaName(model::ops::DetectGemvIsa()),
      model::ops::OnednnHasBf16Matmul(dnnl::engine(dnnl::engine::kind::cpu, 0))
          ? "yes"
          : "no");
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> tok(3, config.text.vocab_size - 1);
  std::vector<int32_t> tokens(prompt);
  for (int32_t& t : tokens) t = tok(rng);

  const bench::ReadBandwidth reader;
  for (size_t ti = 0; ti < thread_counts.size(); ++ti) {
    const int threads = thread_counts[ti];
    const double read_gbs = reader.Measure(threads);
    omp_set_num_threads(threads);
    // A fresh state per thread count: oneDNN fixes a primitive's threading
    // when it is created, so primitives made for 1 thread would run 2-thread
    // prefill on one core.
    auto state = m.NewState();
    state->runner.set_gemv_max_rows(absl::GetFlag(FLAGS_gemv_max_rows));
    std::vector<double> pre_s, dec_s, pre_mm, dec_mm;
    for (int rep = 0; rep <= reps; ++rep) {  // rep 0 warms up.
      std::vector<int32_t> seq = tokens;
      model::ForwardOutput out;
      model::ForwardEntry e{seq, 0, table, false};
      const double mm0 = state->runner.matmul_seconds();
      auto a = Clock::now();
      absl::Status s = m.Forward(state.get(), kv->get(), {&e, 1}, &out);
      auto b = Clock::now();
      const double mm1 = state->runner.matmul_seconds();
      if (!s.ok()) {
        std::fprintf(stderr, "%s\n", s.ToString().c_str());
        return 1;
      }
      seq.reserve(prompt + steps + 1);
      const int n = rep == 0 ? std::min(steps, 4) : steps;
      for (int i = 0; i < n; ++i) {
        const float* row = out.logits_row(0);
        seq.push_back(static_cast<int32_t>(
            std::max_element(row, row + out.vocab_size) - row));
        model::ForwardEntry d{absl::MakeConstSpan(&seq.back(), 1),
                              static_cast<int>(seq.size()) - 1, table, false};
        s = m.Forward(state.get(), kv->get(), {&d, 1}, &out);
        if (!s.ok()) {
          std::fprintf(stderr, "%s\n", s.ToString().c_str());
          return 1;
        }
      }
      auto c = Clock::now();
      const double mm2 = state->runner.matmul_seconds();
      if (rep == 0) continue;
      pre_s.push_back(Seconds(a, b));
      dec_s.push_back(Seconds(b, c));
      pre_mm.push_back((mm1 - mm0) / Seconds(a, b));
      dec_mm.push_back((mm2 - mm1) / Seconds(b, c));
    }
    std::sort(pre_s.begin(), pre_s.end());
    std::sort(dec_s.begin(), dec_s.end());
    const double prefill = prompt / pre_s[pre_s.size() / 2];
    const double decode = steps / dec_s[dec_s.size() / 2];
    std::printf(
        "threads %d: prefill %.2f tok/s (%d tokens; best %.2f), decode %.3f "
        "tok/s (%d steps; best %.3f)\n",
        threads, prefill, prompt, prompt / pre_s.front(), decode, steps,
        steps / dec_s.front());
    std::printf(
        "  share of time in matmuls: prefill %.0f%%, decode %.0f%%; decode "
        "reads the %.2f GB of weights at %.1f GB/s = %.2f of this "
        "machine's read bandwidth at %d threads (%.1f GB/s, measured "
        "above the run)\n",
        100 * pre_mm.back(), 100 * dec_mm.back(), m.packed_bytes() / 1e9,
        m.packed_bytes() / 1e9 * decode,
        m.packed_bytes() / 1e9 * decode / read_gbs, threads, read_gbs);
    if (ti < peer_prefill.size() && ti < peer_decode.size()) {
      std::printf(
          "  ratio to the peer at %d threads: prefill %.2f (peer %.2f), "
          "decode %.2f (peer %.3f)\n",
          threads, prefill / peer_prefill[ti], peer_prefill[ti],
          decode / peer_decode[ti], peer_decode[ti]);
    }
  }
  const std::vector<int> batches =
      bench::ParsePositiveInts(absl::GetFlag(FLAGS_batch));
  for (const int threads : thread_counts) {
    if (batches.empty()) break;
    std::printf("threads %d, batched decode (prompts of %d tokens):\n", threads,
                absl::GetFlag(FLAGS_batch_prompt));
    double first = 0;
    for (int batch : batches) {
      const double tok_s = RunBatch(m, config.text, threads, batch,
                                    absl::GetFlag(FLAGS_batch_prompt), steps);
      if (tok_s < 0) return 1;
      if (first == 0) first = tok_s;
      std::printf(" (%.2fx batch %d)\n", tok_s / first, batches.front());
    }
  }
  std::printf("peak RSS %.2f GB\n",
              ProcKb("/proc/self/status", "VmHWM:") / 1048576.0);
  return 0;
}

}  // namespace
}  // namespace gemma

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  absl::ParseCommandLine(argc, argv);
  return gemma::Main();
}
