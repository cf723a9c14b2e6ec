// Rounds float32 arrays to bfloat16 (round to nearest even; NaN stays a
// quiet NaN), bit-identical to FloatToBf16 of base/bfloat16.h but written
// branch-free so the compiler vectorises it, and split over OpenMP threads
// for large arrays. Used for the bf16 activations of bf16 matmuls.
// Thread-safety: pure function.
#ifndef GEMMA_MODEL_OPS_BF16_CONVERT_H_
#define GEMMA_MODEL_OPS_BF16_CONVERT_H_

#include <cstddef>
#include <cstdint>

namespace gemma::model::ops {

void RoundToBf16(const float* x, uint16_t* y, size_t n);

// The same rounding, with the result widened back to float32 (exact).
void RoundToBf16AsFloat(const float* x, float* y, size_t n);

}  // namespace gemma::model::ops

#endif  // GEMMA_MODEL_OPS_BF16_CONVERT_H_
