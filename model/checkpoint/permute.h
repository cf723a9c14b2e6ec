// Axis permutation of row-major tensors with 2- or 4-byte elements, as
// numpy's transpose: out.shape[i] = in_shape[perm[i]]. Used to move Keras
// kernels into the canonical [out, in] layouts and back.
// Thread-safety: pure functions.
#ifndef GEMMA_MODEL_CHECKPOINT_PERMUTE_H_
#define GEMMA_MODEL_CHECKPOINT_PERMUTE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace gemma::model {

// Writes the permutation of `in` (shape `in_shape`) into `out` (same number
// of elements). `elem_size` is 2 or 4. `perm` is a permutation of
// 0..rank-1 (programmer error otherwise).
void PermuteAxes(const void* in, const std::vector<int64_t>& in_shape,
                 const std::vector<int>& perm, size_t elem_size, void* out);

// The shape of the permuted tensor.
std::vector<int64_t> PermutedShape(const std::vector<int64_t>& in_shape,
                                   const std::vector<int>& perm);

// The inverse permutation.
std::vector<int> InversePermutation(const std::vector<int>& perm);

}  // namespace gemma::model

#endif  // GEMMA_MODEL_CHECKPOINT_PERMUTE_H_
