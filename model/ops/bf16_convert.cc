#include "model/ops/bf16_convert.h"

#include <cstring>

namespace gemma::model::ops {
namespace {

void RoundRange(const float* x, uint16_t* y, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    uint32_t u;
    std::memcpy(&u, &x[i], sizeof(u));
    const uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    const uint32_t quiet_nan = (u >> 16) | 0x40u;
    const bool nan = (u & 0x7fffffffu) > 0x7f800000u;
    y[i] = static_cast<uint16_t>(nan ? quiet_nan : rounded);
  }
}

void RoundRangeAsFloat(const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    uint32_t u;
    std::memcpy(&u, &x[i], sizeof(u));
    const uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
    const uint32_t quiet_nan = (u | 0x400000u) & 0xffff0000u;
    const bool nan = (u & 0x7fffffffu) > 0x7f800000u;
    const uint32_t r = nan ? quiet_nan : rounded;
    std::memcpy(&y[i], &r, sizeof(r));
  }
}

}  // namespace

void RoundToBf16AsFloat(const float* x, float* y, size_t n) {
  RoundRangeAsFloat(x, y, n);
}

void RoundToBf16(const float* x, uint16_t* y, size_t n) {
  constexpr size_t kParallelMin = size_t{1} << 16;
  if (n < kParallelMin) {
    RoundRange(x, y, n);
    return;
  }
  constexpr size_t kChunk = size_t{1} << 14;
  const long chunks = static_cast<long>((n + kChunk - 1) / kChunk);
#pragma omp parallel for schedule(static)
  for (long c = 0; c < chunks; ++c) {
    const size_t begin = static_cast<size_t>(c) * kChunk;
    const size_t len = begin + kChunk <= n ? kChunk : n - begin;
    RoundRange(x + begin, y + begin, len);
  }
}

}  // namespace gemma::model::ops
