#include "model/checkpoint/permute.h"

#include <algorithm>
#include <cstring>

#include "base/logging.h"

namespace gemma::model {
namespace {

// out[c][r] = in[r][c] for `batch` consecutive [rows, cols] matrices,
// in cache-friendly tiles.
template <typename T>
void BatchedTranspose(const T* in, int64_t batch, int64_t rows, int64_t cols,
                      T* out) {
  constexpr int64_t kTile = 32;
  for (int64_t b = 0; b < batch; ++b) {
    const T* src = in + b * rows * cols;
    T* dst = out + b * rows * cols;
    for (int64_t r0 = 0; r0 < rows; r0 += kTile) {
      const int64_t r1 = std::min(rows, r0 + kTile);
      for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
        const int64_t c1 = std::min(cols, c0 + kTile);
        for (int64_t r = r0; r < r1; ++r) {
          for (int64_t c = c0; c < c1; ++c)
            dst[c * rows + r] = src[r * cols + c];
        }
      }
    }
  }
}

template <typename T>
void Generic(const T* in, const std::vector<int64_t>& shape,
             const std::vector<int>& perm, T* out) {
  const int rank = static_cast<int>(shape.size());
  std::vector<int64_t> in_stride(rank, 1);
  for (int i = rank - 2; i >= 0; --i)
    in_stride[i] = in_stride[i + 1] * shape[i + 1];
  std::vector<int64_t> out_shape = PermutedShape(shape, perm);
  std::vector<int64_t> stride(rank);  // input stride of each output axis
  for (int i = 0; i < rank; ++i) stride[i] = in_stride[perm[i]];
  int64_t total = 1;
  for (int64_t d : shape) total *= d;
  std::vector<int64_t> idx(rank, 0);
  int64_t src = 0;
  for (int64_t n = 0; n < total; ++n) {
    out[n] = in[src];
    for (int i = rank - 1; i >= 0; --i) {
      if (++idx[i] < out_shape[i]) {
        src += stride[i];
        break;
      }
      src -= stride[i] * (out_shape[i] - 1);
      idx[i] = 0;
    }
  }
}

template <typename T>
void Dispatch(const T* in, const std::vector<int64_t>& shape,
              const std::vector<int>& perm, T* out) {
  // Merge input axes that stay adjacent and in order in the output.
  std::vector<int64_t> mshape;
  std::vector<int> mperm;
  {
    // Groups of output positions whose input axes are consecutive.
    std::vector<std::vector<int>> groups;  // input axes per output group
    for (int a : perm) {
      if (!groups.empty() && groups.back().back() + 1 == a) {
        groups.back().push_back(a);
      } else {
        groups.push_back({a});
      }
    }
    // Order groups by their first input axis to get the merged input shape.
    std::vector<int> order(groups.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    std::sort(order.begin(), order.end(),
              [&](int x, int y) { return groups[x][0] < groups[y][0]; });
    std::vector<int> rank_of(groups.size());
    for (size_t k = 0; k < order.size(); ++k) {
      int64_t size = 1;
      for (int a : groups[order[k]]) size *= shape[a];
      mshape.push_back(size);
      rank_of[order[k]] = static_cast<int>(k);
    }
    for (size_t g = 0; g < groups.size(); ++g) mperm.push_back(rank_of[g]);
  }
  int64_t total = 1;
  for (int64_t d : shape) total *= d;
  if (mperm.size() == 1) {
    std::memcpy(out, in, total * sizeof(T));
  } else if (mperm == std::vector<int>{1, 0}) {
    BatchedTranspose(in, 1, mshape[0], mshape[1], out);
  } else if (mperm == std::vector<int>{0, 2, 1}) {
    BatchedTranspose(in, mshape[0], mshape[1], mshape[2], out);
  } else {
    Generic(in, mshape, mperm, out);
  }
}

}  // namespace

std::vector<int64_t> PermutedShape(const std::vector<int64_t>& in_shape,
                                   const std::vector<int>& perm) {
  CHECK_EQ(in_shape.size(), perm.size());
  std::vector<int64_t> out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = in_shape[perm[i]];
  return out;
}

std::vector<int> InversePermutation(const std::vector<int>& perm) {
  std::vector<int> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = static_cast<int>(i);
  return inv;
}

void PermuteAxes(const void* in, const std::vector<int64_t>& in_shape,
                 const std::vector<int>& perm, size_t elem_size, void* out) {
  CHECK_EQ(in_shape.size(), perm.size());
  if (in_shape.empty()) {
    std::memcpy(out, in, elem_size);
    return;
  }
  if (elem_size == 4) {
    Dispatch(static_cast<const uint32_t*>(in), in_shape, perm,
             static_cast<uint32_t*>(out));
  } else {
    CHECK_EQ(elem_size, 2u);
    Dispatch(static_cast<const uint16_t*>(in), in_shape, perm,
             static_cast<uint16_t*>(out));
  }
}

}  // namespace gemma::model
