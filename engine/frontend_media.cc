#include "engine/frontend_media.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "preprocess/audio_decode.h"
#include "preprocess/image_decode.h"
#include "preprocess/image_processor.h"
#include "tokenizer/sha256.h"

namespace gemma::engine {
namespace {

absl::StatusOr<MediaInput> PreprocessImage(const MediaBlob& blob,
                                           const MediaSettings& settings) {
  if (!settings.image_soft_tokens.has_value()) {
    return absl::InvalidArgumentError(
        "media not supported by this model: it has no vision tower, so it "
        "cannot take images");
  }
  GEMMA_ASSIGN_OR_RETURN(preprocess::RgbImage image,
                         preprocess::DecodeImage(blob.bytes, blob.mime_type));
  preprocess::ImageProcessorOptions options;
  options.max_soft_tokens = *settings.image_soft_tokens;
  GEMMA_ASSIGN_OR_RETURN(preprocess::ProcessedImage processed,
                         preprocess::ProcessImage(image, options));
  MediaInput media;
  media.kind = MediaInput::Kind::kImage;
  media.features = std::move(processed.pixel_values);
  media.positions = std::move(processed.position_ids);
  media.rows = processed.max_patches;
  media.num_soft_tokens = processed.num_soft_tokens;
  return media;
}

absl::StatusOr<MediaInput> PreprocessAudio(const MediaBlob& blob,
                                           const MediaSettings& settings) {
  if (!settings.audio) {
    return absl::InvalidArgumentError(
        "media not supported by this model: it has no audio tower, so it "
        "cannot take audio");
  }
  GEMMA_ASSIGN_OR_RETURN(preprocess::DecodedAudio audio,
                         preprocess::DecodeAudio(blob.bytes, blob.mime_type));
  preprocess::AudioFeatureOptions options;
  options.convention = settings.audio_convention;
  options.mel_floor = settings.mel_floor;
  preprocess::AudioFeatureExtractor extractor(options);
  GEMMA_ASSIGN_OR_RETURN(preprocess::AudioFeatures features,
                         extractor.Compute(audio.samples));
  if (features.num_soft_tokens < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("the audio clip is too short (", audio.samples.size(),
                     " samples at 16 kHz) to give one audio token"));
  }
  MediaInput media;
  media.kind = MediaInput::Kind::kAudio;
  media.features = std::move(features.features);
  media.feature_mask = std::move(features.mask);
  media.rows = features.num_frames;
  media.num_soft_tokens = features.num_soft_tokens;
  return media;
}

}  // namespace

absl::StatusOr<PreprocessedMedia> PreprocessMedia(
    const MediaBlob& blob, const MediaSettings& settings) {
  PreprocessedMedia out;
  out.kind = blob.kind;
  if (blob.kind == MediaBlob::Kind::kVideo) {
    if (!settings.image_soft_tokens.has_value()) {
      return absl::InvalidArgumentError(
          "media not supported by this model: it has no vision tower, so it "
          "cannot take video");
    }
    GEMMA_ASSIGN_OR_RETURN(PreprocessedVideo video,
                           PreprocessVideo(blob, settings.video));
    out.inputs = std::move(video.frames);
    out.timestamps = std::move(video.timestamps);
    out.source_frames = video.source_frames;
    return out;
  }
  if (!blob.frames.empty()) {
    return absl::InvalidArgumentError(
        "only a video may be given as a list of frames");
  }
  absl::StatusOr<MediaInput> media = blob.kind == MediaBlob::Kind::kImage
                                         ? PreprocessImage(blob, settings)
                                         : PreprocessAudio(blob, settings);
  if (!media.ok()) return media.status();
  media->content_hash = tokenizer::Sha256Hex(blob.bytes);
  out.inputs.push_back(*std::move(media));
  return out;
}

}  // namespace gemma::engine
