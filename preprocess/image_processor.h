// The Gemma 4 image processor (Hugging Face semantics): picks the
// aspect-preserving target size from the soft-token budget, resizes with the
// Pillow-exact bicubic filter, rescales to [0, 1], cuts 16x16 patches and
// pads to the budget's patch count. The output is what the vision encoder
// consumes, and its soft-token count is what the prompt must reserve.
// Thread-safety: pure functions.
#ifndef GEMMA_PREPROCESS_IMAGE_PROCESSOR_H_
#define GEMMA_PREPROCESS_IMAGE_PROCESSOR_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "preprocess/rgb_image.h"

namespace gemma::preprocess {

struct ImageProcessorOptions {
  // Soft-token budget S; one of 70, 140, 280, 560, 1120.
  int max_soft_tokens = 280;
  int patch_size = 16;
  int pooling_kernel_size = 3;
  // How uint8 becomes float: HF images compute float32(double(u) * (1/255));
  // HF video frames compute float32(u) / 255.0f. (Both are the correctly
  // rounded u/255 for every level; the option records the reference rule.)
  enum class Rescale { kMultiplyFloat64, kDivideFloat32 };
  Rescale rescale = Rescale::kMultiplyFloat64;
  // kHuggingFace (default): float64 sizing with HF's edge cases, Pillow uint8
  // resize, the rescale rule above. kKerasHub (parity with keras-hub's
  // Gemma4ImageConverter): float32 sizing with each side clamped to >= 48,
  // float resize (image_resize_keras.h), x * float32(1/255) in float32.
  enum class Convention { kHuggingFace, kKerasHub };
  Convention convention = Convention::kHuggingFace;
};

// True for the budgets the processor accepts.
bool IsValidSoftTokenBudget(int max_soft_tokens);

struct TargetSize {
  int height = 0;
  int width = 0;
};

// HF get_aspect_ratio_preserving_size in float64 and HF's operation order,
// including its edge cases (a side rounding to zero, budget overflow); or
// keras-hub's float32 rule for Convention::kKerasHub.
// INVALID_ARGUMENT on invalid input or when HF would raise.
absl::StatusOr<TargetSize> ComputeTargetSize(
    int64_t height, int64_t width, const ImageProcessorOptions& options = {});

// Soft tokens for an image of this size: (H_t / 48) * (W_t / 48).
absl::StatusOr<int> NumImageSoftTokens(
    int64_t height, int64_t width, const ImageProcessorOptions& options = {});

struct ProcessedImage {
  int max_patches = 0;  // S * k^2 rows in the padded tensors.
  int patch_dim = 0;    // 3 * p^2.
  // [max_patches, patch_dim] row-major; padding rows are 0.
  std::vector<float> pixel_values;
  // [max_patches, 2] as (x = patch column, y = patch row); padding (-1, -1).
  std::vector<int32_t> position_ids;
  int num_real_patches = 0;  // Rows before the padding.
  int patch_rows = 0;        // n_h = H_t / p.
  int patch_cols = 0;        // n_w = W_t / p.
  int num_soft_tokens = 0;   // (n_h / k) * (n_w / k).
  int pooled_rows = 0;       // n_h / k.
  int pooled_cols = 0;       // n_w / k.
  TargetSize resized;        // H_t x W_t.
};

// Full pipeline on a decoded image.
absl::StatusOr<ProcessedImage> ProcessImage(
    const RgbImage& image, const ImageProcessorOptions& options = {});

// Patchify + position ids + padding of an image already at its target size
// (both sides multiples of p * k). Exposed for video frames and tests.
absl::StatusOr<ProcessedImage> PatchifyResized(
    const RgbImage& resized, const ImageProcessorOptions& options = {});

}  // namespace gemma::preprocess

#endif  // GEMMA_PREPROCESS_IMAGE_PROCESSOR_H_
