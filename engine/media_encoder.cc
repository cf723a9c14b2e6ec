#include "engine/media_encoder.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "model/audio/audio_encoder.h"
#include "model/vision/vision_encoder.h"

namespace gemma::engine {

absl::StatusOr<std::unique_ptr<MediaEncoder>> MediaEncoder::Create(
    const model::ModelConfig& config, const model::WeightStore& weights,
    const MediaEncoderOptions& options) {
  auto enc = std::unique_ptr<MediaEncoder>(new MediaEncoder());
  const int width = config.text.hidden_dim;
  enc->text_width_ = width;
  enc->bidirectional_images_ = config.text.vision_bidirectional_attention;
  if (config.vision.has_value()) {
    GEMMA_ASSIGN_OR_RETURN(enc->vision_, model::VisionEncoder::Create(
                                             *config.vision, width, weights));
  }
  if (config.audio.has_value()) {
    GEMMA_ASSIGN_OR_RETURN(enc->audio_, model::AudioEncoder::Create(
                                            *config.audio, width, weights));
  }
  enc->cache_ = std::make_unique<EncoderCache>(options.cache_bytes);
  return enc;
}

MediaEncoder::~MediaEncoder() = default;

double MediaEncoder::encoder_seconds() const {
  return static_cast<double>(encode_nanos_.load()) * 1e-9;
}

std::string MediaEncoder::Key(const MediaInput& media) {
  // The features decide the output; the hash is of the encoded bytes, which
  // (for one model and one preprocessing) decide the features.
  return absl::StrCat(static_cast<int>(media.kind), ":", media.rows, ":",
                      media.num_soft_tokens, ":", media.content_hash);
}

absl::Status MediaEncoder::Validate(const MediaInput& media) const {
  if (media.num_soft_tokens < 1 || media.rows < 1) {
    return absl::InvalidArgumentError(
        "a media item has no soft tokens or no feature rows");
  }
  if (media.kind == MediaInput::Kind::kAudio) {
    if (audio_ == nullptr) {
      return absl::InvalidArgumentError(
          "media not supported by this model: it has no audio tower");
    }
    const int mels = audio_->config().input_feat_size;
    if (media.features.size() != static_cast<size_t>(media.rows) * mels ||
        media.feature_mask.size() != static_cast<size_t>(media.rows)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "audio features hold %d floats and %d mask entries for %d frames of "
          "%d mel bins",
          media.features.size(), media.feature_mask.size(), media.rows, mels));
    }
    if (model::AudioEncoder::NumSoftTokens(media.feature_mask) !=
        media.num_soft_tokens) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "the audio clip gives %d soft tokens but its prompt has %d "
          "placeholders",
          model::AudioEncoder::NumSoftTokens(media.feature_mask),
          media.num_soft_tokens));
    }
    return absl::OkStatus();
  }
  if (vision_ == nullptr) {
    return absl::InvalidArgumentError(
        "media not supported by this model: it has no vision tower");
  }
  const int dim = vision_->patch_dim();
  if (media.features.size() != static_cast<size_t>(media.rows) * dim ||
      media.positions.size() != static_cast<size_t>(media.rows) * 2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "image pixels hold %d floats and %d position ids for %d patches of "
        "%d values",
        media.features.size(), media.positions.size(), media.rows, dim));
  }
  return absl::OkStatus();
}

std::shared_ptr<const SoftTokens> MediaEncoder::Lookup(
    const MediaInput& media) const {
  return cache_->Get(Key(media));
}

absl::StatusOr<MediaEncoder::Result> MediaEncoder::Encode(
    const MediaInput& media) const {
  GEMMA_RETURN_IF_ERROR(Validate(media));
  const std::string key = Key(media);
  Result result;
  if (!media.content_hash.empty()) {
    result.rows = cache_->Get(key);
    if (result.rows != nullptr) {
      result.cache_hit = true;
      return result;
    }
  }
  const absl::Time start = absl::Now();
  auto rows = std::make_shared<SoftTokens>();
  rows->width = text_width_;
  if (media.kind == MediaInput::Kind::kAudio) {
    GEMMA_ASSIGN_OR_RETURN(model::AudioEncoding out,
                           audio_->Encode(media.features, media.feature_mask));
    rows->rows = out.num_tokens;
    rows->values = std::move(out.soft_tokens);
  } else {
    int real = 0;  // Padding rows have position (-1, -1).
    for (int r = 0; r < media.rows; ++r) real += media.positions[2 * r] >= 0;
    GEMMA_ASSIGN_OR_RETURN(
        model::VisionEncoding out,
        vision_->Encode(media.features, media.positions, real));
    rows->rows = out.num_soft_tokens;
    rows->values = std::move(out.soft_tokens);
  }
  calls_.fetch_add(1);
  encode_nanos_.fetch_add(absl::ToInt64Nanoseconds(absl::Now() - start));
  if (rows->rows != media.num_soft_tokens) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the media item encodes to %d soft tokens but its prompt has %d "
        "placeholders",
        rows->rows, media.num_soft_tokens));
  }
  result.rows = std::move(rows);
  if (!media.content_hash.empty()) cache_->Put(key, result.rows);
  return result;
}

}  // namespace gemma::engine
