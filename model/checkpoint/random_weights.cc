// MakeRandomCheckpoint: weights drawn like the golden fixtures'.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/bfloat16.h"
#include "base/status_macros.h"
#include "model/checkpoint/checkpoint.h"
#include "model/checkpoint/config_io.h"
#include "model/checkpoint/tensor_spec.h"

namespace gemma::model {
namespace {

// splitmix64: small, fast, and the same stream on every platform (unlike
// the std:: distributions).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in (0, 1).
  double Uniform() {
    return ((Next() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  double Normal(double stddev) {
    if (has_spare_) {
      has_spare_ = false;
      return spare_ * stddev;
    }
    // Box-Muller in float: plenty for random weights, and several times
    // faster than double.
    const float r = std::sqrt(-2.0f * std::log(static_cast<float>(Uniform())));
    const float a = 6.2831853f * static_cast<float>(Uniform());
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a) * stddev;
  }

 private:
  uint64_t state_;
  double spare_ = 0;
  bool has_spare_ = false;
};

float Draw(InitKind kind, Rng& rng) {
  switch (kind) {
    case InitKind::kEmbedding:
      return static_cast<float>(rng.Normal(0.2));
    case InitKind::kKernel:
      return static_cast<float>(rng.Normal(0.15));
    case InitKind::kQkNorm:
      return static_cast<float>(rng.Uniform(0.3, 0.8));
    case InitKind::kScale:
      return static_cast<float>(rng.Uniform(0.5, 1.5));
    case InitKind::kClipMin:
      return static_cast<float>(-rng.Uniform(1.0, 3.0));
    case InitKind::kClipMax:
      return static_cast<float>(rng.Uniform(1.0, 3.0));
    case InitKind::kBias:
      return static_cast<float>(rng.Normal(0.1));
  }
  return 0.0f;
}

// One chunk of one tensor: its own deterministic stream, so chunks can be
// filled in any order by any thread.
struct Chunk {
  InitKind init;
  uint64_t stream;
  void* out;
  int64_t count;
};

void FillChunk(const Chunk& c, DType dtype) {
  Rng rng(c.stream);
  if (dtype == DType::kF32) {
    float* out = static_cast<float*>(c.out);
    for (int64_t i = 0; i < c.count; ++i) out[i] = Draw(c.init, rng);
  } else {
    uint16_t* out = static_cast<uint16_t*>(c.out);
    for (int64_t i = 0; i < c.count; ++i)
      out[i] = FloatToBf16(Draw(c.init, rng));
  }
}

uint64_t Mix(uint64_t a, uint64_t b) {
  Rng r(a ^ (b * 0x9e3779b97f4a7c15ull));
  return r.Next();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Checkpoint>> MakeRandomCheckpoint(
    const ModelConfig& config, uint64_t seed) {
  GEMMA_RETURN_IF_ERROR(CheckConfig(config, "random checkpoint config"));
  const DType dtype = config.weights_dtype;
  if (dtype != DType::kF32 && dtype != DType::kBF16) {
    return absl::InvalidArgumentError(absl::StrCat(
        "random checkpoints are float32 or bfloat16, not ", DTypeName(dtype)));
  }
  auto ckpt = std::make_unique<Checkpoint>();
  ckpt->config = config;
  ckpt->config.layout = CheckpointLayout::kRandom;
  std::vector<TensorSpec> specs = ExpectedTensors(config);
  std::vector<std::vector<uint8_t>> buffers(specs.size());
  std::vector<Chunk> chunks;
  constexpr int64_t kChunk = 1 << 20;
  for (size_t t = 0; t < specs.size(); ++t) {
    int64_t n = 1;
    for (int64_t d : specs[t].shape) n *= d;
    buffers[t].resize(static_cast<size_t>(n) * DTypeSize(dtype));
    for (int64_t begin = 0, k = 0; begin < n; begin += kChunk, ++k) {
      chunks.push_back({specs[t].init, Mix(Mix(seed, t), k),
                        buffers[t].data() + begin * DTypeSize(dtype),
                        std::min(kChunk, n - begin)});
    }
  }
  // Real-size configs hold billions of values: fill chunks on all cores.
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < chunks.size(); i = next++) {
      FillChunk(chunks[i], dtype);
    }
  };
  const size_t threads = std::min<size_t>(
      std::max(1u, std::thread::hardware_concurrency()), chunks.size());
  std::vector<std::thread> pool;
  for (size_t i = 1; i < threads; ++i) pool.emplace_back(work);
  work();
  for (std::thread& th : pool) th.join();
  for (size_t t = 0; t < specs.size(); ++t) {
    ckpt->weights.AddOwned(std::move(specs[t].name), dtype,
                           std::move(specs[t].shape), std::move(buffers[t]),
                           "random");
  }
  return ckpt;
}

}  // namespace gemma::model
