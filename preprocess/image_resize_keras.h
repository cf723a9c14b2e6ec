// keras-hub's image resize, for a "keras-hub parity" processor mode: the
// same antialiased Keys cubic (a = -0.5) as image_resize.h, but on float32
// pixels with no intermediate rounding or clamping (Keras numpy backend
// `_resize`: float64 weight matrices cast to float32, height pass first,
// float32 products), then clipped to [0, 255] (multimodal spec §1.3, §7.2).
// Thread-safety: pure function.
#ifndef GEMMA_PREPROCESS_IMAGE_RESIZE_KERAS_H_
#define GEMMA_PREPROCESS_IMAGE_RESIZE_KERAS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "preprocess/rgb_image.h"

namespace gemma::preprocess {

// Returns [out_height, out_width, 3] float32 values in [0, 255]. A pass
// whose size is unchanged is skipped (so an unchanged size is the identity).
absl::StatusOr<std::vector<float>> ResizeBicubicKerasHub(const RgbImage& image,
                                                         int out_height,
                                                         int out_width);

}  // namespace gemma::preprocess

#endif  // GEMMA_PREPROCESS_IMAGE_RESIZE_KERAS_H_
