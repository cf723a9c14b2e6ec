// Pillow-exact antialiased bicubic resampling of 8-bit RGB images: the
// resize the Hugging Face Gemma 4 image processor performs
// (PIL.Image.resize(size, BICUBIC) / torchvision's uint8 antialias kernel).
// Keys cubic a = -0.5 widened by the downscale factor, 22-bit fixed-point
// weights, horizontal pass first into a clamped uint8 intermediate, then the
// vertical pass; a pass whose size does not change is skipped.
// Thread-safety: pure functions.
#ifndef GEMMA_PREPROCESS_IMAGE_RESIZE_H_
#define GEMMA_PREPROCESS_IMAGE_RESIZE_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "preprocess/rgb_image.h"

namespace gemma::preprocess {

// INVALID_ARGUMENT unless `image` is a non-empty, well-formed image and the
// target size is positive (every resampler's first check).
absl::Status CheckResizeArgs(const RgbImage& image, int out_height,
                             int out_width);

// Returns `image` resampled to out_height x out_width. Returns a copy when
// the size is unchanged. INVALID_ARGUMENT for empty input or output sizes.
absl::StatusOr<RgbImage> ResizeBicubic(const RgbImage& image, int out_height,
                                       int out_width);

}  // namespace gemma::preprocess

#endif  // GEMMA_PREPROCESS_IMAGE_RESIZE_H_
