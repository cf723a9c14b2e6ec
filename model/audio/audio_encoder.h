// The Gemma 4 audio tower (USM conformer, multimodal spec §4) and its
// projection into the text width: sub-sampling convolutions (4× in time),
// conformer blocks (half-step feed-forwards, chunked local attention with
// relative position bias, light depthwise convolution with GLU, clipped
// linears), output_proj (with bias), RMSNorm without scale and the
// `embed_audio` projection. The result rows are the soft tokens that
// replace a clip's `<|audio|>` placeholders (unscaled, §5.2).
//
// Encode() takes log-mel features [frames, n_mels] and the frame validity
// mask as the preprocessor gives them (preprocess/audio_features.h). Masked
// frames are zeroed before each convolution and never attended to; the
// soft tokens are the sub-sampled steps whose mask is set, in time order
// (⌈valid/4⌉ for a mask that is a prefix).
//
// Weights are packed once in Create() (float32 compute by default, bfloat16
// checkpoints upcast exactly; see TowerOptions).
// Thread-safety: immutable after Create(); Encode() may be called from any
// number of threads (calls are serialised on an internal lock that guards
// the oneDNN primitive cache).
#ifndef GEMMA_MODEL_AUDIO_AUDIO_ENCODER_H_
#define GEMMA_MODEL_AUDIO_AUDIO_ENCODER_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/audio/subsample_conv.h"
#include "model/config.h"
#include "model/ops/linear.h"
#include "model/vision/tower_options.h"
#include "model/weights.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace gemma::model {

struct AudioEncodeOptions {
  // Also fill AudioEncoding::sscp_output and ::all_steps.
  bool keep_intermediates = false;
};

struct AudioEncoding {
  int num_tokens = 0;  // Valid sub-sampled steps.
  int num_steps = 0;   // All sub-sampled steps: ⌈⌈frames/2⌉/2⌉.
  std::vector<float> soft_tokens;  // [num_tokens, d_t], valid steps in order.
  std::vector<int32_t> step_mask;  // [num_steps], 1 = valid.
  // With keep_intermediates: the sub-sampling projection's output
  // [num_steps, d_a] and the projected output of every step, padding
  // included, [num_steps, d_t].
  std::vector<float> sscp_output;
  std::vector<float> all_steps;
};

class AudioEncoder {
 public:
  // Checks the config and every tensor (errors name the tensor and its file)
  // and packs the weights.
  static absl::StatusOr<std::unique_ptr<AudioEncoder>> Create(
      const AudioConfig& config, int text_hidden_dim,
      const WeightStore& weights, const TowerOptions& options = {});
  ~AudioEncoder();

  // The number of soft tokens Encode() returns for a frame mask: the valid
  // entries of mask[::2][::2] (⌈valid/4⌉ for a prefix mask), so placeholders
  // can be expanded before the tower runs.
  static int NumSoftTokens(absl::Span<const int32_t> mask);

  const AudioConfig& config() const { return config_; }
  int text_hidden_dim() const { return text_dim_; }

  // features [frames, input_feat_size] row-major, mask [frames] (nonzero =
  // valid). INVALID_ARGUMENT when the sizes disagree or frames is 0.
  absl::StatusOr<AudioEncoding> Encode(
      absl::Span<const float> features, absl::Span<const int32_t> mask,
      const AudioEncodeOptions& options = {}) const;

 private:
  struct Layer;
  AudioEncoder() = default;

  absl::Status RunLayer(const Layer& layer, ops::MatmulRunner* runner, float* h,
                        int steps, const int32_t* mask) const;
  absl::Status FeedForward(const Layer& layer, int which,
                           ops::MatmulRunner* runner, float* h,
                           int steps) const;
  absl::Status LightConv(const Layer& layer, ops::MatmulRunner* runner,
                         float* h, int steps, const int32_t* mask) const;

  AudioConfig config_;
  int text_dim_ = 0;
  dnnl::engine engine_;
  SubsampleConvProjection sscp_;
  std::vector<Layer> layers_;
  std::unique_ptr<ops::PackedWeight> output_proj_;
  std::vector<float> output_bias_;
  std::unique_ptr<ops::PackedWeight> projection_;

  mutable std::mutex mu_;
  mutable std::unique_ptr<ops::MatmulRunner> runner_;
};

}  // namespace gemma::model

#endif  // GEMMA_MODEL_AUDIO_AUDIO_ENCODER_H_
