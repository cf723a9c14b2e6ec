// MakeRandomCheckpoint: weights drawn like the golden fixtures'.
#include <cmath>
#include <cstring>
#include <utility>

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
    const double r = std::sqrt(-2.0 * std::log(Uniform()));
    const double a = 6.283185307179586 * Uniform();
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
  Rng rng(seed);
  for (TensorSpec& spec : ExpectedTensors(config)) {
    int64_t n = 1;
    for (int64_t d : spec.shape) n *= d;
    std::vector<uint8_t> bytes(static_cast<size_t>(n) * DTypeSize(dtype));
    if (dtype == DType::kF32) {
      float* out = reinterpret_cast<float*>(bytes.data());
      for (int64_t i = 0; i < n; ++i) out[i] = Draw(spec.init, rng);
    } else {
      uint16_t* out = reinterpret_cast<uint16_t*>(bytes.data());
      for (int64_t i = 0; i < n; ++i)
        out[i] = FloatToBf16(Draw(spec.init, rng));
    }
    ckpt->weights.AddOwned(std::move(spec.name), dtype, std::move(spec.shape),
                           std::move(bytes), "random");
  }
  return ckpt;
}

}  // namespace gemma::model
