// bfloat16 <-> float32 conversion (round to nearest even, as numpy/ml_dtypes
// and PyTorch round). Header-only; pure functions, thread-safe.
#ifndef GEMMA_BASE_BFLOAT16_H_
#define GEMMA_BASE_BFLOAT16_H_

#include <cstdint>
#include <cstring>

namespace gemma {

inline float Bf16ToFloat(uint16_t bits) {
  uint32_t u = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
}

inline uint16_t FloatToBf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  if ((u & 0x7fffffffu) > 0x7f800000u) {  // NaN: keep it a quiet NaN.
    return static_cast<uint16_t>((u >> 16) | 0x40u);
  }
  uint32_t rounding_bias = 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>((u + rounding_bias) >> 16);
}

}  // namespace gemma

#endif  // GEMMA_BASE_BFLOAT16_H_
