// Element-wise activations of the text model (spec §2.1): tanh-approximated
// GELU, the tanh soft cap, and a row softmax in float32. tanh is computed
// within 3 ulp by vectorised arithmetic (the epilogues of batched decode
// steps apply it to millions of values per step).
// Thread-safety: pure functions.
#ifndef GEMMA_MODEL_OPS_ACTIVATIONS_H_
#define GEMMA_MODEL_OPS_ACTIVATIONS_H_

#include <cstddef>

namespace gemma::model::ops {

// x = tanh(x), in place.
void TanhInPlace(float* x, size_t n);

// gelu(x) = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), in place.
void GeluTanh(float* x, size_t n);

// x = cap·tanh(x / cap), in place. cap must be > 0.
void SoftCap(float* x, size_t n, float cap);

// Softmax over n values in place (max-subtracted, float32; vectorised exp
// within 2 ulp, sums in vector lanes).
void Softmax(float* x, int n);

}  // namespace gemma::model::ops

#endif  // GEMMA_MODEL_OPS_ACTIVATIONS_H_
