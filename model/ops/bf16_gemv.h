// Few-row matmuls with bfloat16 weights, for decode steps: y[m, n] =
// epilogue(x[m, k] · W[n, k]ᵀ) for small m, where the time is reading W once
// from memory. W is row-major [n, k] bfloat16 (the checkpoint's own
// orientation), x is float32 (the caller rounds it to bf16 first when it
// wants bf16 × bf16 semantics: the products are then exact in float32),
// accumulation is float32. The instruction set is chosen once per CPU
// (AMX tiles, AVX-512 BF16 dot products, AVX-512, AVX2 with FMA, or
// portable C++); the work is split
// over OpenMP threads by rows of W, so each thread streams its own
// contiguous slice. On AMX (bf16_amx.h) one pass over W serves up to 32
// rows of x at about the cost of one, so it serves batched decode steps.
// Thread-safety: pure functions of their arguments.
#ifndef GEMMA_MODEL_OPS_BF16_GEMV_H_
#define GEMMA_MODEL_OPS_BF16_GEMV_H_

#include <cstddef>
#include <cstdint>

#include "model/ops/epilogue.h"

namespace gemma::model::ops {

// Ordered: each one's CPUs also run the ones before it.
enum class GemvIsa { kPortable, kAvx2, kAvx512, kAvx512Bf16, kAmx };

// The fastest kernel this CPU runs.
GemvIsa DetectGemvIsa();
const char* GemvIsaName(GemvIsa isa);

struct GemvArgs {
  const float* x = nullptr;  // [m, k], rows k apart.
  int m = 0;
  int k = 0;
  const uint16_t* w = nullptr;  // [n, k] bfloat16, rows k apart.
  int n = 0;
  float* y = nullptr;  // [m, n], rows n apart.
  // kMultiply: [m, n], rows n apart.
  const float* aux = nullptr;
  Epilogue epilogue;
  // kAmx and kAvx512Bf16: GemvScratchWords(m, k) words the call may
  // overwrite (x rearranged for the tiles, or narrowed to bf16). Without
  // it (or, for kAmx, when k is not a multiple of 32) they run the AVX-512
  // kernel.
  uint32_t* scratch = nullptr;
};

// Scratch words a kAmx or kAvx512Bf16 call with `m` rows of length `k` needs.
size_t GemvScratchWords(int m, int k);

// Runs on the calling thread's OpenMP team size (omp_get_max_threads()).
// `isa` must be one this CPU supports (DetectGemvIsa() or below).
void Bf16Gemv(GemvIsa isa, const GemvArgs& args);

}  // namespace gemma::model::ops

#endif  // GEMMA_MODEL_OPS_BF16_GEMV_H_
