// Media preprocessing for the front end: an encoded image or audio clip
// becomes a MediaInput (patches + position ids, or log-mel frames + mask)
// and the number of soft-token placeholders it fills (spec §6.4, Hugging
// Face placement: an image gets exactly its real soft-token count; audio
// ceil(valid frames / 4) under the chosen feature convention).
// Thread-safety: pure functions.
#ifndef GEMMA_ENGINE_FRONTEND_MEDIA_H_
#define GEMMA_ENGINE_FRONTEND_MEDIA_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "engine/request.h"
#include "preprocess/audio_features.h"

namespace gemma::engine {

// A media item as received (encoded bytes), before preprocessing.
struct MediaBlob {
  enum class Kind { kImage, kAudio, kVideo } kind = Kind::kImage;
  std::string bytes;
  std::string mime_type;  // Optional; sniffed from the bytes when empty.
};

// What a model accepts, from its config.
struct MediaSettings {
  // Soft-token budget per image (vision config); unset: no vision tower.
  std::optional<int> image_soft_tokens;
  bool audio = false;  // The model has an audio tower.
  preprocess::AudioFeatureConvention audio_convention =
      preprocess::AudioFeatureConvention::kHuggingFace;
  double mel_floor = 1e-3;
};

// Decodes and preprocesses one item. INVALID_ARGUMENT when the model has no
// tower for its kind, for video (not supported yet), and for undecodable
// data (the decoder's message). first_token_index is left 0 for the
// caller to set.
absl::StatusOr<MediaInput> PreprocessMedia(const MediaBlob& blob,
                                           const MediaSettings& settings);

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_FRONTEND_MEDIA_H_
