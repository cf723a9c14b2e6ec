// Media preprocessing for the front end: an encoded image or audio clip
// becomes a MediaInput (patches + position ids, or log-mel frames + mask)
// and the number of soft-token placeholders it fills (spec §6.4, Hugging
// Face placement: an image gets exactly its real soft-token count; audio
// ceil(valid frames / 4) under the chosen feature convention); a video
// becomes one MediaInput per sampled frame (frontend_video.h).
// Thread-safety: pure functions.
#ifndef GEMMA_ENGINE_FRONTEND_MEDIA_H_
#define GEMMA_ENGINE_FRONTEND_MEDIA_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/frontend_video.h"
#include "engine/request.h"
#include "preprocess/audio_features.h"

namespace gemma::engine {

// A media item as received (encoded bytes), before preprocessing.
// An image, an audio clip or a video: `bytes` is the encoded file. A video
// may instead come as its frames, in order, each an encoded image (then
// `bytes` is empty), with the frame rate its timestamps use.
struct MediaBlob {
  enum class Kind { kImage, kAudio, kVideo } kind = Kind::kImage;
  std::string bytes;
  std::string mime_type;  // Optional; sniffed from the bytes when empty.
  std::vector<std::string> frames;  // kVideo only: encoded frame images.
  double fps = 0;  // Frame rate of `frames`; <= 0: 24 (HF's default).
};

// What a model accepts, from its config.
struct MediaSettings {
  // Soft-token budget per image (vision config); unset: no vision tower.
  std::optional<int> image_soft_tokens;
  bool audio = false;  // The model has an audio tower.
  preprocess::AudioFeatureConvention audio_convention =
      preprocess::AudioFeatureConvention::kHuggingFace;
  double mel_floor = 1e-3;
  // Video (needs the vision tower): sampling and per-frame budget.
  VideoSettings video;
};

// One media item after preprocessing: a single MediaInput for an image or
// an audio clip, one per sampled frame for a video (then with the frames'
// "MM:SS" timestamps).
struct PreprocessedMedia {
  MediaBlob::Kind kind = MediaBlob::Kind::kImage;
  std::vector<MediaInput> inputs;
  std::vector<std::string> timestamps;  // Video only.
  int64_t source_frames = 0;            // Video only: frames in the source.
};

// Decodes and preprocesses one item. INVALID_ARGUMENT when the model has no
// tower for its kind (video needs the vision tower) and for undecodable
// data (the decoder's message). first_token_index is left 0 for the
// caller to set.
absl::StatusOr<PreprocessedMedia> PreprocessMedia(
    const MediaBlob& blob, const MediaSettings& settings);

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_FRONTEND_MEDIA_H_
