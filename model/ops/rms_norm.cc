#include "model/ops/rms_norm.h"

#include <cmath>
#include <cstddef>

namespace gemma::model::ops {

void RmsNorm(const float* x, int rows, int dim, const float* scale, float eps,
             float* y) {
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + static_cast<size_t>(r) * dim;
    float* yr = y + static_cast<size_t>(r) * dim;
    double ss = 0;
    for (int i = 0; i < dim; ++i) ss += static_cast<double>(xr[i]) * xr[i];
    const float ms = static_cast<float>(ss / dim);
    const float inv = static_cast<float>(1.0 / std::sqrt(double{ms + eps}));
    if (scale != nullptr) {
      for (int i = 0; i < dim; ++i) yr[i] = xr[i] * inv * scale[i];
    } else {
      for (int i = 0; i < dim; ++i) yr[i] = xr[i] * inv;
    }
  }
}

}  // namespace gemma::model::ops
