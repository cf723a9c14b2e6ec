#include "preprocess/image_resize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace gemma::preprocess {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // 22 fractional bits.
constexpr double kSupport = 2.0;            // Bicubic filter support.

// Keys cubic with a = -0.5, in Pillow's evaluation order (the order matters
// for bit-exact weights).
double BicubicFilter(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

// Fixed-point taps for one axis: output i reads inputs [min[i], min[i] +
// count[i]) with weights taps[i * ksize + j].
struct AxisCoeffs {
  int ksize = 0;
  std::vector<int> min;
  std::vector<int> count;
  std::vector<int32_t> taps;
};

AxisCoeffs ComputeCoeffs(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = kSupport * filterscale;
  AxisCoeffs c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.min.resize(out_size);
  c.count.resize(out_size);
  c.taps.assign(static_cast<size_t>(out_size) * c.ksize, 0);
  std::vector<double> w(c.ksize);
  for (int i = 0; i < out_size; ++i) {
    const double center = (i + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    // C truncation toward zero, then clamping, as Pillow does.
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double sum = 0.0;
    for (int x = 0; x < xmax; ++x) {
      w[x] = BicubicFilter((x + xmin - center + 0.5) * ss);
      sum += w[x];
    }
    int32_t* taps = &c.taps[static_cast<size_t>(i) * c.ksize];
    for (int x = 0; x < xmax; ++x) {
      const double v = sum != 0.0 ? w[x] / sum : w[x];
      // Round half away from zero into 22-bit fixed point.
      taps[x] = v < 0 ? static_cast<int32_t>(-0.5 + v * (1 << kPrecisionBits))
                      : static_cast<int32_t>(0.5 + v * (1 << kPrecisionBits));
    }
    c.min[i] = xmin;
    c.count[i] = xmax;
  }
  return c;
}

inline uint8_t Clip8(int32_t v) {
  if (v >= (1 << kPrecisionBits << 8)) return 255;
  if (v <= 0) return 0;
  return static_cast<uint8_t>(v >> kPrecisionBits);
}

// Horizontal pass over input rows [row0, row0 + out.height).
void ResampleHorizontal(const RgbImage& in, int row0, const AxisCoeffs& c,
                        RgbImage& out) {
  for (int y = 0; y < out.height; ++y) {
    const uint8_t* src = in.Row(y + row0);
    uint8_t* dst = out.Row(y);
    for (int x = 0; x < out.width; ++x) {
      const int32_t* k = &c.taps[static_cast<size_t>(x) * c.ksize];
      const uint8_t* s = src + static_cast<size_t>(c.min[x]) * 3;
      int32_t s0 = 1 << (kPrecisionBits - 1), s1 = s0, s2 = s0;
      for (int j = 0; j < c.count[x]; ++j, s += 3) {
        s0 += s[0] * k[j];
        s1 += s[1] * k[j];
        s2 += s[2] * k[j];
      }
      dst[x * 3 + 0] = Clip8(s0);
      dst[x * 3 + 1] = Clip8(s1);
      dst[x * 3 + 2] = Clip8(s2);
    }
  }
}

// Vertical pass; c.min is relative to the first row of `in`.
void ResampleVertical(const RgbImage& in, const AxisCoeffs& c, int row_offset,
                      RgbImage& out) {
  const size_t row_len = static_cast<size_t>(out.width) * 3;
  std::vector<int32_t> acc(row_len);
  for (int y = 0; y < out.height; ++y) {
    const int32_t* k = &c.taps[static_cast<size_t>(y) * c.ksize];
    std::fill(acc.begin(), acc.end(), 1 << (kPrecisionBits - 1));
    const int ymin = c.min[y] - row_offset;
    for (int j = 0; j < c.count[y]; ++j) {
      const uint8_t* s = in.Row(ymin + j);
      const int32_t w = k[j];
      for (size_t i = 0; i < row_len; ++i) acc[i] += s[i] * w;
    }
    uint8_t* dst = out.Row(y);
    for (size_t i = 0; i < row_len; ++i) dst[i] = Clip8(acc[i]);
  }
}

}  // namespace

absl::Status CheckResizeArgs(const RgbImage& image, int out_height,
                             int out_width) {
  if (image.height <= 0 || image.width <= 0 ||
      image.data.size() !=
          static_cast<size_t>(image.height) * image.width * 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resize an empty or malformed image (", image.width,
                     "x", image.height, ")"));
  }
  if (out_height <= 0 || out_width <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid resize target ", out_width, "x", out_height));
  }
  return absl::OkStatus();
}

absl::StatusOr<RgbImage> ResizeBicubic(const RgbImage& image, int out_height,
                                       int out_width) {
  GEMMA_RETURN_IF_ERROR(CheckResizeArgs(image, out_height, out_width));
  const bool need_h = out_width != image.width;
  const bool need_v = out_height != image.height;
  if (!need_h && !need_v) return image;

  const AxisCoeffs vert = ComputeCoeffs(image.height, out_height);
  RgbImage horizontal;
  const RgbImage* src = &image;
  int row_offset = 0;
  if (need_h) {
    const AxisCoeffs horiz = ComputeCoeffs(image.width, out_width);
    // Only the rows the vertical pass reads (all of them when it is skipped).
    int first = 0, last = image.height;
    if (need_v) {
      first = vert.min[0];
      last = vert.min[out_height - 1] + vert.count[out_height - 1];
    }
    horizontal = RgbImage(last - first, out_width);
    ResampleHorizontal(image, first, horiz, horizontal);
    src = &horizontal;
    row_offset = first;
  }
  if (!need_v) return horizontal;
  RgbImage out(out_height, out_width);
  ResampleVertical(*src, vert, row_offset, out);
  return out;
}

}  // namespace gemma::preprocess
