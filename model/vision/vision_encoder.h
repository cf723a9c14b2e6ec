// The Gemma 4 vision tower and its projection into the text width
// (multimodal spec §2): patch embedding with 2-D position tables,
// bidirectional encoder blocks (sandwich norms, q/k/v norms, 2-D RoPE,
// clipped linears on the on-device tower), k×k average pooling ×√d_v over
// each image's patch grid, standardize (large tower), RMSNorm without scale
// and the `embed_vision` projection. The result rows are the soft tokens
// that replace an image's `<|image|>` placeholders (unscaled, §5.2).
//
// Encode() takes one image as the preprocessor gives it (preprocess/
// image_processor.h): pixel values [rows, 3·p²] in [0, 1], position ids
// [rows, 2] as (x, y) = (column, row) with (−1, −1) on padding rows, and
// the number of real patches. Padding rows are dropped before the tower
// (exact: nobody attends to them and pooling zeroes them).
//
// Weights are packed once in Create() (float32 compute by default, bfloat16
// checkpoints upcast exactly; see TowerOptions); small tensors are copied,
// and the
// position table is read row by row from the WeightStore, which must
// outlive the encoder.
//
// Thread-safety: immutable after Create(); Encode() may be called from any
// number of threads (calls are serialised on an internal lock that guards
// the oneDNN primitive cache).
#ifndef GEMMA_MODEL_VISION_VISION_ENCODER_H_
#define GEMMA_MODEL_VISION_VISION_ENCODER_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/config.h"
#include "model/ops/linear.h"
#include "model/tensor.h"
#include "model/vision/clipped_linear.h"
#include "model/vision/tower_options.h"
#include "model/weights.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace gemma::model {

struct VisionEncodeOptions {
  // Return all rows/k² pooled bins (keras-hub placement fills every slot,
  // trailing bins being empty) instead of only the image's real bins
  // (Hugging Face placement, the default).
  bool include_empty_bins = false;
  // Also fill VisionEncoding::patch_states and ::pooled.
  bool keep_intermediates = false;
};

struct VisionEncoding {
  int num_soft_tokens = 0;  // Real bins: (n_h/k)·(n_w/k).
  int num_bins = 0;         // rows / k².
  int grid_rows = 0;        // n_h (patches).
  int grid_cols = 0;        // n_w (patches).
  // [num_soft_tokens (or num_bins with include_empty_bins), d_t], pooled
  // grid row-major.
  std::vector<float> soft_tokens;
  // With keep_intermediates: the encoder stack's output per input row
  // ([rows, d_v], padding rows zero) and the pooled bins ×√d_v before
  // standardize ([num_bins, d_v], empty bins zero).
  std::vector<float> patch_states;
  std::vector<float> pooled;
};

class VisionEncoder {
 public:
  // Checks the config and every tensor (errors name the tensor and its file)
  // and packs the weights.
  static absl::StatusOr<std::unique_ptr<VisionEncoder>> Create(
      const VisionConfig& config, int text_hidden_dim,
      const WeightStore& weights, const TowerOptions& options = {});
  ~VisionEncoder();

  const VisionConfig& config() const { return config_; }
  int text_hidden_dim() const { return text_dim_; }
  int patch_dim() const { return 3 * config_.patch_size * config_.patch_size; }

  // Encodes one image. INVALID_ARGUMENT (with what is wrong) for inputs that
  // do not form a full patch grid: sizes, positions out of the table,
  // grid sides not multiples of k, duplicate or missing patches, a
  // real-patch count that disagrees with the position ids, too many bins.
  absl::StatusOr<VisionEncoding> Encode(
      absl::Span<const float> pixel_values,
      absl::Span<const int32_t> position_ids, int num_real_patches,
      const VisionEncodeOptions& options = {}) const;

 private:
  struct Layer;
  struct Grid;
  VisionEncoder() = default;

  absl::StatusOr<Grid> CheckInputs(absl::Span<const float> pixel_values,
                                   absl::Span<const int32_t> position_ids,
                                   int num_real_patches) const;
  absl::Status RunLayer(const Layer& layer, const Grid& grid, float* h,
                        ops::MatmulRunner* runner) const;
  absl::Status Embed(absl::Span<const float> pixel_values, const Grid& grid,
                     float* h, ops::MatmulRunner* runner) const;

  VisionConfig config_;
  int text_dim_ = 0;
  dnnl::engine engine_;
  TensorView position_table_;  // [2, P, d_v] in the WeightStore.
  std::unique_ptr<ops::PackedWeight> input_proj_;
  std::vector<Layer> layers_;
  std::vector<float> std_bias_, std_scale_;  // Empty unless standardize.
  std::unique_ptr<ops::PackedWeight> projection_;

  mutable std::mutex mu_;
  mutable std::unique_ptr<ops::MatmulRunner> runner_;
};

}  // namespace gemma::model

#endif  // GEMMA_MODEL_VISION_VISION_ENCODER_H_
