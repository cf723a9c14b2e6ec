// Benchmark of the decode step's weight matmuls alone: every weight matrix
// of one Gemma 4 text decode step (its own buffer each, so every step reads
// all of them from memory, as a real decode step does), in bf16, run back
// to back for M rows (M = batched sequences), once through the streaming
// kernel (model/ops/bf16_gemv.h) and once through oneDNN (its bf16 matmul
// on the plain layout, or float32-converted blocks where the CPU has no
// bf16 matmul). Prints the step time, the rate at which weights are read
// and its ratio to this machine's read bandwidth, measured in the same run.
//
//   matmul_bench --config e2b --threads 1,2 --rows 1,2,4,8,16
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "base/bfloat16.h"
#include "bench/list_flags.h"
#include "bench/read_bandwidth.h"
#include "model/checkpoint/checkpoint.h"
#include "model/ops/linear.h"

ABSL_FLAG(std::string, config, "e2b", "NamedConfig whose decode step to run");
ABSL_FLAG(std::string, threads, "1,2", "comma-separated thread counts");
ABSL_FLAG(std::string, isa, "",
          "kernel instruction set: amx, avx512bf16, avx512, avx2 or portable "
          "(default: the best this CPU runs)");
ABSL_FLAG(std::string, rows, "1,2,4,8,16", "comma-separated row counts M");
ABSL_FLAG(int, reps, 3, "timed steps per setting (best is reported)");

namespace gemma {
namespace {

using Clock = std::chrono::steady_clock;

struct Shape {
  int out, in;
  model::ops::Epilogue epilogue;
};

// The weight matmuls of one decode step, unfused (q, k, v separately), as
// model/decoder runs them.
std::vector<Shape> StepShapes(const model::TextConfig& c) {
  using model::ops::Epilogue;
  std::vector<Shape> s;
  const int H = c.hidden_dim, P = c.per_layer_input_dim;
  if (P > 0) s.push_back({c.num_layers * P, H, Epilogue::None()});
  for (int i = 0; i < c.num_layers; ++i) {
    const model::LayerSpec l = c.Layer(i);
    const int q = c.num_query_heads * l.head_dim;
    s.push_back({q, H, Epilogue::None()});
    if (!l.kv_shared) {
      s.push_back({l.num_kv_heads * l.head_dim, H, Epilogue::None()});
      if (!l.k_eq_v) {
        s.push_back({l.num_kv_heads * l.head_dim, H, Epilogue::None()});
      }
    }
    s.push_back({H, q, Epilogue::None()});
    s.push_back({l.mlp_dim, H, Epilogue::GeluTanh()});
    s.push_back({l.mlp_dim, H, Epilogue::Multiply()});
    s.push_back({H, l.mlp_dim, Epilogue::None()});
    if (P > 0) {
      s.push_back({P, H, Epilogue::GeluTanh()});
      s.push_back({H, P, Epilogue::None()});
    }
  }
  s.push_back({c.vocab_size, H,
               c.final_logit_soft_cap.has_value()
                   ? Epilogue::SoftCap(*c.final_logit_soft_cap)
                   : Epilogue::None()});
  return s;
}

int Main() {
  auto config = model::NamedConfig(absl::GetFlag(FLAGS_config));
  if (config.ok() && config->text.enable_moe) {
    std::fprintf(stderr, "MoE layers are not modelled by this bench\n");
    return 1;
  }
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().ToString().c_str());
    return 1;
  }
  const std::vector<Shape> shapes = StepShapes(config->text);
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  // One random bf16 source per distinct size, copied into each weight.
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 0.02f);
  std::vector<std::unique_ptr<model::ops::PackedWeight>> weights;
  size_t bytes = 0;
  int max_in = 0, max_out = 0;
  for (const Shape& s : shapes) {
    std::vector<uint16_t> src(static_cast<size_t>(s.out) * s.in);
    for (auto& v : src) v = FloatToBf16(dist(rng));
    model::TensorView view;
    view.dtype = model::DType::kBF16;
    view.shape = {s.out, s.in};
    view.data = src.data();
    auto w = model::ops::PackedWeight::Create(
        engine, {view}, model::ops::WeightFormat::kBF16, s.epilogue, "w");
    if (!w.ok()) {
      std::fprintf(stderr, "%s\n", w.status().ToString().c_str());
      return 1;
    }
    bytes += (*w)->bytes();
    max_in = std::max(max_in, s.in);
    max_out = std::max(max_out, s.out);
    weights.push_back(std::move(*w));
  }
  const std::vector<int> rows =
      bench::ParsePositiveInts(absl::GetFlag(FLAGS_rows));
  const int max_rows = *std::max_element(rows.begin(), rows.end());
  std::vector<float> x(static_cast<size_t>(max_rows) * max_in, 0.5f);
  std::vector<float> y(static_cast<size_t>(max_rows) * max_out);
  std::vector<float> aux(y.size(), 1.0f);
  model::ops::MatmulRunner probe(engine);
  const std::string isa_name = absl::GetFlag(FLAGS_isa);
  if (!isa_name.empty()) {
    bool found = false;
    for (auto isa :
         {model::ops::GemvIsa::kPortable, model::ops::GemvIsa::kAvx2,
          model::ops::GemvIsa::kAvx512, model::ops::GemvIsa::kAvx512Bf16,
          model::ops::GemvIsa::kAmx}) {
      if (isa_name != model::ops::GemvIsaName(isa)) continue;
      if (isa > probe.gemv_isa()) {
        std::fprintf(stderr, "this CPU does not run %s\n", isa_name.c_str());
        return 1;
      }
      probe.set_gemv_isa(isa);
      found = true;
    }
    if (!found) {
      std::fprintf(stderr, "unknown --isa %s\n", isa_name.c_str());
      return 1;
    }
  }
  std::printf(
      "%s decode step: %zu bf16 weight matmuls, %.2f GB; streaming kernel "
      "%s; oneDNN bf16 matmul: %s\n",
      absl::GetFlag(FLAGS_config).c_str(), weights.size(), bytes / 1e9,
      model::ops::GemvIsaName(probe.gemv_isa()),
      model::ops::OnednnHasBf16Matmul(engine) ? "yes" : "no (f32 blocks)");
  const bench::ReadBandwidth reader;
  const int reps = absl::GetFlag(FLAGS_reps);
  for (int threads : bench::ParsePositiveInts(absl::GetFlag(FLAGS_threads))) {
    omp_set_num_threads(threads);
    const double read = reader.Measure(threads);
    std::printf("threads %d: read bandwidth %.1f GB/s\n", threads, read);
    for (int m : rows) {
      double best[2] = {1e30, 1e30};
      for (int path = 0; path < 2; ++path) {
        model::ops::MatmulRunner runner(engine);
        runner.set_gemv_isa(probe.gemv_isa());
        runner.set_gemv_max_rows(path == 0 ? 1 << 30 : 0);
        for (int rep = 0; rep <= reps; ++rep) {  // rep 0 warms up.
          const auto a = Clock::now();
          for (const auto& w : weights) {
            const bool mul =
                w->epilogue().kind == model::ops::Epilogue::Kind::kMultiply;
            absl::Status st = runner.Run(*w, x.data(), m, y.data(),
                                         mul ? aux.data() : nullptr);
            if (!st.ok()) {
              std::fprintf(stderr, "%s\n", st.ToString().c_str());
              return 1;
            }
          }
          const double t =
              std::chrono::duration<double>(Clock::now() - a).count();
          if (rep > 0) best[path] = std::min(best[path], t);
        }
      }
      std::printf(
          "  M=%2d  streaming kernel %7.1f ms (%5.1f GB/s, %.2f of read "
          "bandwidth, %6.1f rows/s)  oneDNN %7.1f ms (%5.1f GB/s, %.2f; "
          "kernel/oneDNN speed %.2fx)\n",
          m, best[0] * 1e3, bytes / best[0] / 1e9, bytes / best[0] / 1e9 / read,
          m / best[0], best[1] * 1e3, bytes / best[1] / 1e9,
          bytes / best[1] / 1e9 / read, best[1] / best[0]);
    }
  }
  return 0;
}

}  // namespace
}  // namespace gemma

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  absl::ParseCommandLine(argc, argv);
  return gemma::Main();
}
