#include "preprocess/image_processor.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "preprocess/image_resize.h"
#include "preprocess/image_resize_keras.h"

namespace gemma::preprocess {
namespace {

absl::Status ValidateOptions(const ImageProcessorOptions& o) {
  if (!IsValidSoftTokenBudget(o.max_soft_tokens)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_soft_tokens must be one of 70, 140, 280, 560, 1120; got ",
        o.max_soft_tokens));
  }
  if (o.patch_size <= 0 || o.pooling_kernel_size <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "patch_size (", o.patch_size, ") and pooling_kernel_size (",
        o.pooling_kernel_size, ") must be positive"));
  }
  return absl::OkStatus();
}

std::array<float, 256> RescaleTable(ImageProcessorOptions::Rescale rule) {
  std::array<float, 256> t;
  for (int u = 0; u < 256; ++u) {
    t[u] = rule == ImageProcessorOptions::Rescale::kMultiplyFloat64
               ? static_cast<float>(static_cast<double>(u) * (1.0 / 255.0))
               : static_cast<float>(u) / 255.0f;
  }
  return t;
}

}  // namespace

bool IsValidSoftTokenBudget(int s) {
  return s == 70 || s == 140 || s == 280 || s == 560 || s == 1120;
}

absl::StatusOr<TargetSize> ComputeTargetSize(
    int64_t height, int64_t width, const ImageProcessorOptions& options) {
  GEMMA_RETURN_IF_ERROR(ValidateOptions(options));
  if (height <= 0 || width <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("image size must be positive, got ", width, "x", height));
  }
  const int64_t k = options.pooling_kernel_size;
  const int64_t p = options.patch_size;
  const int64_t max_patches = int64_t{options.max_soft_tokens} * k * k;
  const int64_t target_px = max_patches * p * p;
  if (options.convention == ImageProcessorOptions::Convention::kKerasHub) {
    // keras-hub: the same steps in float32, then each side at least m.
    const float mf = static_cast<float>(k * p);
    const float f = std::sqrt(static_cast<float>(target_px) /
                              static_cast<float>(height * width));
    const float ih = f * static_cast<float>(height);
    const float iw = f * static_cast<float>(width);
    const int64_t th = static_cast<int64_t>(std::floor(ih / mf) * mf);
    const int64_t tw = static_cast<int64_t>(std::floor(iw / mf) * mf);
    return TargetSize{static_cast<int>(std::max<int64_t>(th, k * p)),
                      static_cast<int>(std::max<int64_t>(tw, k * p))};
  }
  const double total_px = static_cast<double>(height * width);
  // float64 in HF's order: one division, one sqrt, f*H, / m, floor, * m.
  const double factor = std::sqrt(static_cast<double>(target_px) / total_px);
  const double ideal_h = factor * static_cast<double>(height);
  const double ideal_w = factor * static_cast<double>(width);
  const int64_t m = k * p;
  int64_t th = static_cast<int64_t>(std::floor(ideal_h / m)) * m;
  int64_t tw = static_cast<int64_t>(std::floor(ideal_w / m)) * m;
  if (th == 0 && tw == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot fit a ", width, "x", height,
        " image into the soft-token budget: both sides round to zero"));
  }
  const int64_t max_side = (max_patches / (k * k)) * m;
  if (th == 0) {
    th = m;
    tw =
        std::min(static_cast<int64_t>(std::floor(static_cast<double>(width) /
                                                 static_cast<double>(height))) *
                     m,
                 max_side);
  } else if (tw == 0) {
    tw = m;
    th = std::min(static_cast<int64_t>(std::floor(static_cast<double>(height) /
                                                  static_cast<double>(width))) *
                      m,
                  max_side);
  }
  if (th * tw > target_px) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the resized ", tw, "x", th, " image would exceed the budget of ",
        target_px, " pixels (", options.max_soft_tokens, " soft tokens)"));
  }
  return TargetSize{static_cast<int>(th), static_cast<int>(tw)};
}

absl::StatusOr<int> NumImageSoftTokens(int64_t height, int64_t width,
                                       const ImageProcessorOptions& options) {
  GEMMA_ASSIGN_OR_RETURN(const TargetSize t,
                         ComputeTargetSize(height, width, options));
  const int m = options.patch_size * options.pooling_kernel_size;
  return (t.height / m) * (t.width / m);
}

namespace {

// Cuts an h x w image into patches; `row(y, dst)` writes the w * 3 rescaled
// values of image row y.
template <typename RowFn>
absl::StatusOr<ProcessedImage> Patchify(int h, int w,
                                        const ImageProcessorOptions& options,
                                        RowFn row) {
  GEMMA_RETURN_IF_ERROR(ValidateOptions(options));
  const int p = options.patch_size;
  const int k = options.pooling_kernel_size;
  if (h <= 0 || w <= 0 || h % (p * k) != 0 || w % (p * k) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("patchify needs both sides to be positive multiples of ",
                     p * k, "; got ", w, "x", h));
  }
  ProcessedImage out;
  out.max_patches = options.max_soft_tokens * k * k;
  out.patch_dim = 3 * p * p;
  out.patch_rows = h / p;
  out.patch_cols = w / p;
  out.num_real_patches = out.patch_rows * out.patch_cols;
  out.pooled_rows = out.patch_rows / k;
  out.pooled_cols = out.patch_cols / k;
  out.num_soft_tokens = out.pooled_rows * out.pooled_cols;
  out.resized = {h, w};
  if (out.num_real_patches > out.max_patches) {
    return absl::InvalidArgumentError(
        absl::StrCat("a ", w, "x", h, " image has ", out.num_real_patches,
                     " patches, more than the budget of ", out.max_patches));
  }
  out.pixel_values.assign(static_cast<size_t>(out.max_patches) * out.patch_dim,
                          0.0f);
  out.position_ids.assign(static_cast<size_t>(out.max_patches) * 2, -1);
  std::vector<float> line(static_cast<size_t>(w) * 3);
  for (int y = 0; y < h; ++y) {
    row(y, line.data());
    const int r = y / p;
    const int py = y % p;
    for (int c = 0; c < out.patch_cols; ++c) {
      const size_t patch = static_cast<size_t>(r) * out.patch_cols + c;
      // (pixel row, pixel column, channel), channel fastest.
      std::copy_n(&line[static_cast<size_t>(c) * p * 3], p * 3,
                  &out.pixel_values[patch * out.patch_dim +
                                    static_cast<size_t>(py) * p * 3]);
      out.position_ids[patch * 2 + 0] = c;
      out.position_ids[patch * 2 + 1] = r;
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<ProcessedImage> PatchifyResized(
    const RgbImage& img, const ImageProcessorOptions& options) {
  const std::array<float, 256> table = RescaleTable(options.rescale);
  return Patchify(img.height, img.width, options, [&](int y, float* dst) {
    const uint8_t* src = img.Row(y);
    for (int i = 0; i < img.width * 3; ++i) {
      dst[i] = table[src[i]];
    }
  });
}

absl::StatusOr<ProcessedImage> ProcessImage(
    const RgbImage& image, const ImageProcessorOptions& options) {
  GEMMA_ASSIGN_OR_RETURN(const TargetSize t,
                         ComputeTargetSize(image.height, image.width, options));
  if (options.convention == ImageProcessorOptions::Convention::kKerasHub) {
    // keras-hub's sizing can exceed the budget; refuse before resizing.
    const int64_t p = options.patch_size;
    const int64_t patches = (t.height / p) * (t.width / p);
    const int64_t max_patches = int64_t{options.max_soft_tokens} *
                                options.pooling_kernel_size *
                                options.pooling_kernel_size;
    if (patches > max_patches) {
      return absl::InvalidArgumentError(
          absl::StrCat("a ", t.width, "x", t.height, " image has ", patches,
                       " patches, more than the budget of ", max_patches));
    }
    GEMMA_ASSIGN_OR_RETURN(const std::vector<float> resized,
                           ResizeBicubicKerasHub(image, t.height, t.width));
    const float scale = static_cast<float>(1.0 / 255.0);
    return Patchify(t.height, t.width, options, [&](int y, float* dst) {
      const float* src = &resized[static_cast<size_t>(y) * t.width * 3];
      for (int i = 0; i < t.width * 3; ++i) dst[i] = src[i] * scale;
    });
  }
  if (t.height == image.height && t.width == image.width) {
    return PatchifyResized(image, options);
  }
  GEMMA_ASSIGN_OR_RETURN(const RgbImage resized,
                         ResizeBicubic(image, t.height, t.width));
  return PatchifyResized(resized, options);
}

}  // namespace gemma::preprocess
