// The encoders of one served model: its vision tower (images, video frames)
// and audio tower, when the checkpoint has them, behind a content-hash
// cache of their outputs (encoder_cache.h). Built once by the model loader
// and shared by the model's engine instances, which call Encode() from
// their engine threads while running the prefill chunks that hold a media
// item's placeholders.
// Thread-safety: immutable after Create() except for the cache and the
// counters, which are thread-safe; Encode() may be called from any thread
// (each tower serialises its own calls).
#ifndef GEMMA_ENGINE_MEDIA_ENCODER_H_
#define GEMMA_ENGINE_MEDIA_ENCODER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/encoder_cache.h"
#include "engine/request.h"
#include "model/config.h"
#include "model/weights.h"

namespace gemma::model {
class AudioEncoder;
class VisionEncoder;
}  // namespace gemma::model

namespace gemma::engine {

struct MediaEncoderOptions {
  // Bound of the encoder-output cache in bytes (0 disables it); a flag of
  // the server and the CLI.
  int64_t cache_bytes = int64_t{256} << 20;
};

class MediaEncoder {
 public:
  // Builds the towers `config` has (none: a text-only model, for which
  // Validate refuses every media item). `weights` must outlive the encoder.
  static absl::StatusOr<std::unique_ptr<MediaEncoder>> Create(
      const model::ModelConfig& config, const model::WeightStore& weights,
      const MediaEncoderOptions& options = {});
  ~MediaEncoder();

  bool has_vision() const { return vision_ != nullptr; }
  bool has_audio() const { return audio_ != nullptr; }
  // Images of this model attend to themselves bidirectionally on sliding
  // layers: an image's soft tokens must be computed in one prefill chunk.
  bool bidirectional_images() const { return bidirectional_images_; }
  int text_width() const { return text_width_; }

  // INVALID_ARGUMENT (with what is wrong) when the model has no tower for
  // the item's kind or the item's arrays are inconsistent.
  absl::Status Validate(const MediaInput& media) const;

  struct Result {
    std::shared_ptr<const SoftTokens> rows;  // [num_soft_tokens, width].
    bool cache_hit = false;
  };
  // The item's soft tokens, from the cache or from its tower (then cached).
  absl::StatusOr<Result> Encode(const MediaInput& media) const;
  // The cached soft tokens of `media`, or null; does not encode.
  std::shared_ptr<const SoftTokens> Lookup(const MediaInput& media) const;

  // Since creation, over all callers.
  int64_t encoder_calls() const { return calls_.load(); }
  double encoder_seconds() const;
  EncoderCache& cache() const { return *cache_; }

 private:
  MediaEncoder() = default;
  static std::string Key(const MediaInput& media);

  std::unique_ptr<model::VisionEncoder> vision_;
  std::unique_ptr<model::AudioEncoder> audio_;
  bool bidirectional_images_ = false;
  int text_width_ = 0;
  std::unique_ptr<EncoderCache> cache_;
  mutable std::atomic<int64_t> calls_{0};
  mutable std::atomic<int64_t> encode_nanos_{0};
};

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_MEDIA_ENCODER_H_
