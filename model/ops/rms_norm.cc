#include "model/ops/rms_norm.h"

#include <omp.h>

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace gemma::model::ops {
namespace {

// One row. The sum of squares is accumulated in double, in vector lanes
// (so its order depends on the CPU's vector width, never on the row count
// or thread count); the row loops are compiled for AVX-512, AVX2 and
// baseline x86-64 and picked at load time.
__attribute__((target_clones("avx512f", "avx2", "default"))) void NormRow(
    const float* x, int dim, const float* scale, float eps, float* y) {
  double ss = 0;
#pragma omp simd reduction(+ : ss)
  for (int i = 0; i < dim; ++i) ss += static_cast<double>(x[i]) * x[i];
  const float ms = static_cast<float>(ss / dim);
  const float inv = static_cast<float>(1.0 / std::sqrt(double{ms + eps}));
  if (scale != nullptr) {
#pragma omp simd
    for (int i = 0; i < dim; ++i) y[i] = x[i] * inv * scale[i];
  } else {
#pragma omp simd
    for (int i = 0; i < dim; ++i) y[i] = x[i] * inv;
  }
}

// Below this many elements a call stays on the calling thread (a decode
// step's few rows cost less than waking the team).
constexpr int64_t kParallelElements = int64_t{1} << 15;

}  // namespace

void RmsNorm(const float* x, int rows, int dim, const float* scale, float eps,
             float* y) {
  const bool parallel = int64_t{rows} * dim >= kParallelElements;
#pragma omp parallel for schedule(static) if (parallel)
  for (int r = 0; r < rows; ++r) {
    NormRow(x + static_cast<size_t>(r) * dim, dim, scale, eps,
            y + static_cast<size_t>(r) * dim);
  }
}

}  // namespace gemma::model::ops
