#include "preprocess/image_resize_keras.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "absl/status/status.h"
#include "base/status_macros.h"
#include "preprocess/image_resize.h"

namespace gemma::preprocess {
namespace {

// Keys cubic, a = -0.5, in the Keras/JAX evaluation order, x >= 0.
double KeysCubic(double x) {
  if (x >= 2.0) return 0.0;
  if (x >= 1.0) return ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0;
  return ((1.5 * x - 2.5) * x) * x + 1.0;
}

// Sparse float32 weights for one axis: output i = sum over taps of
// weight * input[first[i] + t].
struct AxisWeights {
  std::vector<int> first;
  std::vector<std::vector<float>> taps;
};

AxisWeights ComputeWeights(int n_in, int n_out) {
  // float64 throughout, as numpy does for Python-float scales; note the
  // inverse scale is 1 / (n_out / n_in), not n_in / n_out.
  const double scale = static_cast<double>(n_out) / n_in;
  const double inv_scale = 1.0 / scale;
  const double kernel_scale = std::max(inv_scale, 1.0);
  const double eps32 = 1.1920928955078125e-07;
  AxisWeights w;
  w.first.resize(n_out);
  w.taps.resize(n_out);
  std::vector<double> col(n_in, 0.0);
  for (int i = 0; i < n_out; ++i) {
    const double sample = (i + 0.5) * inv_scale - 0.0 * inv_scale - 0.5;
    double sum = 0.0;
    int lo = n_in, hi = -1;
    // The kernel is zero for |sample - j| >= 2 * kernel_scale; skipping those
    // exact zeros leaves the float64 sum unchanged.
    const double reach = 2.0 * kernel_scale;
    const int j0 = std::max(0, static_cast<int>(std::floor(sample - reach)));
    const int j1 =
        std::min(n_in - 1, static_cast<int>(std::ceil(sample + reach)));
    for (int j = j0; j <= j1; ++j) {
      col[j] = KeysCubic(std::abs(sample - j) / kernel_scale);
      sum += col[j];
      if (col[j] != 0.0) {
        lo = std::min(lo, j);
        hi = j;
      }
    }
    const bool inside = sample >= -0.5 && sample <= n_in - 0.5;
    const bool usable = std::abs(sum) > 1000.0 * eps32 && inside && hi >= lo;
    w.first[i] = usable ? lo : 0;
    if (!usable) continue;
    for (int j = lo; j <= hi; ++j) {
      w.taps[i].push_back(static_cast<float>(col[j] / sum));
    }
  }
  return w;
}

// Resamples axis `rows` (true: along height) of an [h, w, 3] float buffer.
std::vector<float> Pass(const std::vector<float>& in, int h, int w,
                        bool along_height, int n_out) {
  const AxisWeights wt = ComputeWeights(along_height ? h : w, n_out);
  const int oh = along_height ? n_out : h;
  const int ow = along_height ? w : n_out;
  std::vector<float> out(static_cast<size_t>(oh) * ow * 3, 0.0f);
  for (int y = 0; y < oh; ++y) {
    for (int x = 0; x < ow; ++x) {
      const int i = along_height ? y : x;
      const std::vector<float>& taps = wt.taps[i];
      for (int c = 0; c < 3; ++c) {
        // Sequential float32 multiply, then add, over the taps (zero
        // weights contribute exact zeros in the dense product). No fused
        // multiply-add: the build compiles this file with
        // -ffp-contract=off, and product and sum are separate statements.
        float acc = 0.0f;
        for (size_t t = 0; t < taps.size(); ++t) {
          const int src = wt.first[i] + static_cast<int>(t);
          const size_t idx = along_height
                                 ? (static_cast<size_t>(src) * w + x) * 3 + c
                                 : (static_cast<size_t>(y) * w + src) * 3 + c;
          const float product = in[idx] * taps[t];
          acc += product;
        }
        out[(static_cast<size_t>(y) * ow + x) * 3 + c] = acc;
      }
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<float>> ResizeBicubicKerasHub(const RgbImage& image,
                                                         int out_height,
                                                         int out_width) {
  GEMMA_RETURN_IF_ERROR(CheckResizeArgs(image, out_height, out_width));
  std::vector<float> x(image.data.begin(), image.data.end());
  int h = image.height, w = image.width;
  if (out_height != h) {
    x = Pass(x, h, w, /*along_height=*/true, out_height);
    h = out_height;
  }
  if (out_width != w) {
    x = Pass(x, h, w, /*along_height=*/false, out_width);
    w = out_width;
  }
  for (float& v : x) v = std::min(std::max(v, 0.0f), 255.0f);
  return x;
}

}  // namespace gemma::preprocess
