// Decodes encoded audio (WAV with PCM 8/16/24/32-bit or float samples,
// FLAC, Ogg Vorbis or Opus, MP3) from memory through libsndfile, downmixes to
// mono (mean of the channels) and resamples to the model rate (16 kHz) with
// libsoxr. Samples come out as float in [-1, 1] (integer PCM divided by
// 2^(bits-1)). Thread-safety: pure functions; safe to call concurrently.
#ifndef GEMMA_PREPROCESS_AUDIO_DECODE_H_
#define GEMMA_PREPROCESS_AUDIO_DECODE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gemma::preprocess {

struct AudioDecodeOptions {
  int target_sample_rate = 16000;
  // Longer audio is rejected (the audio tower sees at most 30 s).
  double max_seconds = 30.0;
  size_t max_bytes = size_t{64} << 20;
};

struct DecodedAudio {
  int sample_rate = 0;         // == target_sample_rate.
  std::vector<float> samples;  // Mono.
  int source_sample_rate = 0;
  int source_channels = 0;
  double duration_seconds() const {
    return sample_rate > 0 ? static_cast<double>(samples.size()) / sample_rate
                           : 0.0;
  }
};

// `mime_type` may be empty (sniffed); otherwise one of audio/wav
// (audio/x-wav, audio/wave, audio/vnd.wave), audio/flac (audio/x-flac),
// audio/ogg (application/ogg, audio/vorbis), audio/mpeg (audio/mp3), and it
// must agree with the data.
// Errors are INVALID_ARGUMENT with a precise message: unsupported or
// mismatching type, corrupt or truncated data, a WAV header that declares
// more data than the file holds, over-long audio, zero-length audio.
absl::StatusOr<DecodedAudio> DecodeAudio(
    absl::string_view bytes, absl::string_view mime_type = {},
    const AudioDecodeOptions& options = {});

// Mono resampling with libsoxr (high quality). Returns the input unchanged
// when the rates are equal.
absl::StatusOr<std::vector<float>> ResampleMono(const std::vector<float>& in,
                                                double in_rate,
                                                double out_rate);

}  // namespace gemma::preprocess

#endif  // GEMMA_PREPROCESS_AUDIO_DECODE_H_
