// The audio tower's sub-sampling convolution projection (multimodal spec
// §4.2): two blocks of [zero masked time rows → 3×3 convolution, stride 2×2,
// zero padding 1, no bias → LayerNorm over channels (weight, no bias) →
// ReLU], the mask kept at even time steps after each, then the (freq,
// channel)-flattened rows (channel fastest) projected to the conformer
// width by input_proj_linear (no bias).
//
// The convolutions run as im2col chunks through the oneDNN matmul runner.
// Thread-safety: immutable after Load(); Run() uses the caller's runner.
#ifndef GEMMA_MODEL_AUDIO_SUBSAMPLE_CONV_H_
#define GEMMA_MODEL_AUDIO_SUBSAMPLE_CONV_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/config.h"
#include "model/ops/linear.h"
#include "model/weights.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace gemma::model {

class SubsampleConvProjection {
 public:
  static absl::StatusOr<SubsampleConvProjection> Load(
      const dnnl::engine& engine, const WeightStore& store,
      const AudioConfig& config, ops::WeightFormat format);
  SubsampleConvProjection() = default;
  SubsampleConvProjection(SubsampleConvProjection&&) = default;
  SubsampleConvProjection& operator=(SubsampleConvProjection&&) = default;

  // Time steps after the two stride-2 blocks: ⌈⌈frames/2⌉/2⌉.
  static int OutputSteps(int frames) { return ((frames + 1) / 2 + 1) / 2; }

  // features [frames, n_mels], mask [frames] (nonzero = valid) ->
  // out [OutputSteps(frames), d_a], out_mask [OutputSteps(frames)].
  absl::Status Run(ops::MatmulRunner* runner, const float* features, int frames,
                   const int32_t* mask, std::vector<float>* out,
                   std::vector<int32_t>* out_mask) const;

 private:
  struct Block {
    int in_ch = 0, out_ch = 0;
    std::unique_ptr<ops::PackedWeight> kernel;  // [out_ch, 9·in_ch].
    std::vector<float> norm;                    // [out_ch].
  };
  // in [t, f, in_ch] -> out [⌈t/2⌉, ⌈f/2⌉, out_ch].
  absl::Status RunBlock(const Block& b, ops::MatmulRunner* runner,
                        const float* in, int t, int f, const int32_t* mask,
                        std::vector<float>* out) const;

  int n_mels_ = 0;
  float eps_ = 1e-6f;
  Block blocks_[2];
  std::unique_ptr<ops::PackedWeight> input_proj_;  // [d_a, (n_mels/4)·C₁].
};

}  // namespace gemma::model

#endif  // GEMMA_MODEL_AUDIO_SUBSAMPLE_CONV_H_
