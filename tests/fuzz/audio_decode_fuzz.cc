// Fuzz target: audio decoding (libsndfile + soxr), then log-mel features of
// whatever decodes. Any input must yield a Status or samples, never a crash.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "preprocess/audio_decode.h"
#include "preprocess/audio_features.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace pp = ::gemma::preprocess;
  pp::AudioDecodeOptions options;
  options.max_seconds = 5;  // Keep single runs fast.
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto audio = pp::DecodeAudio(bytes, {}, options);
  if (!audio.ok()) return 0;
  if (audio->sample_rate != 16000) __builtin_trap();
  const pp::AudioFeatureExtractor extractor;
  auto features = extractor.Compute(audio->samples);
  if (features.ok() &&
      features->features.size() !=
          static_cast<size_t>(features->num_frames) * features->num_mels) {
    __builtin_trap();
  }
  return 0;
}
