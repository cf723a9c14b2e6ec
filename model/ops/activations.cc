#include "model/ops/activations.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace gemma::model::ops {
namespace {

// The element loops are compiled for AVX-512, AVX2 and baseline x86-64 and
// picked at load time; tanh is written in arithmetic only, so each clone
// vectorises (about 15x faster than std::tanh per element on AVX-512).
#define GEMMA_VECTOR_CLONES \
  __attribute__((target_clones("avx512f", "avx2", "default")))

inline float BitsToFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
}

// e^y for y in [-87, 88] (2^n stays a normal float): e^y = 2^n·e^r with
// |r| <= ln2/2 and e^r by its Taylor series to r^7 (truncation below 1e-8
// relative). Arithmetic only, so it vectorises.
__attribute__((always_inline)) inline float ExpInRange(float y) {
  const float n = (y * 1.44269504f + 12582912.0f) - 12582912.0f;  // rint
  const float r = (y - n * 0.693145752f) - n * 1.42860677e-6f;
  float e = 1.0f / 5040.0f;
  e = e * r + 1.0f / 720.0f;
  e = e * r + 1.0f / 120.0f;
  e = e * r + 1.0f / 24.0f;
  e = e * r + 1.0f / 6.0f;
  e = e * r + 0.5f;
  e = e * r + 1.0f;
  e = e * r + 1.0f;
  return e * BitsToFloat(static_cast<uint32_t>(static_cast<int32_t>(n) + 127)
                         << 23);
}

// tanh within 3 ulp of the exact value (checked over [-30, 30] in 1e-4
// steps by activations tests), NaN in, NaN out.
__attribute__((always_inline)) inline float Tanh(float x) {
  const float a = x < 0 ? -x : x;
  // |x| < 0.55: the odd Taylor series to x^17 (truncation below 3e-9).
  const float s = x * x;
  float p = 6404582.0f / 10854718875.0f;
  p = p * s - 929569.0f / 638512875.0f;
  p = p * s + 21844.0f / 6081075.0f;
  p = p * s - 1382.0f / 155925.0f;
  p = p * s + 62.0f / 2835.0f;
  p = p * s - 17.0f / 315.0f;
  p = p * s + 2.0f / 15.0f;
  p = p * s - 1.0f / 3.0f;
  const float small = x * (1.0f + s * p);
  // Otherwise 1 - 2/(e^{2|x|} + 1), with 2|x| capped where tanh is 1 in
  // float.
  const float y = 2.0f * a < 40.0f ? 2.0f * a : 40.0f;
  const float e = ExpInRange(y);
  const float t = 1.0f - 2.0f / (e + 1.0f);
  const float big = x < 0 ? -t : t;
  return a < 0.55f ? small : (a == a ? big : x);
}

}  // namespace

GEMMA_VECTOR_CLONES void TanhInPlace(float* x, size_t n) {
#pragma omp simd
  for (size_t i = 0; i < n; ++i) x[i] = Tanh(x[i]);
}

GEMMA_VECTOR_CLONES void GeluTanh(float* x, size_t n) {
  constexpr float kSqrt2OverPi = 0.7978845608028654f;
#pragma omp simd
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i];
    x[i] = 0.5f * v * (1.0f + Tanh(kSqrt2OverPi * (v + 0.044715f * v * v * v)));
  }
}

GEMMA_VECTOR_CLONES void SoftCap(float* x, size_t n, float cap) {
  const float inv = 1.0f / cap;
#pragma omp simd
  for (size_t i = 0; i < n; ++i) x[i] = cap * Tanh(x[i] * inv);
}

GEMMA_VECTOR_CLONES void Softmax(float* x, int n) {
  if (n <= 0) return;
  float mx = x[0];
#pragma omp simd reduction(max : mx)
  for (int i = 1; i < n; ++i) mx = x[i] > mx ? x[i] : mx;
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int i = 0; i < n; ++i) {
    const float d = x[i] - mx;  // <= 0, or NaN (NaN or infinite inputs).
    // Below -87, e^d (< 1.7e-38) is at the bottom of float's normal range
    // and under 2^-125 of the largest term, 1: it counts as 0.
    const float e = d < -87.0f ? 0.0f : ExpInRange(d);
    x[i] = d == d ? e : d;
    sum += x[i];
  }
#pragma omp simd
  for (int i = 0; i < n; ++i) x[i] /= sum;
}

#undef GEMMA_VECTOR_CLONES

}  // namespace gemma::model::ops
