// Gemma 4 audio front end: 16 kHz mono waveform -> 128-channel log-mel
// frames (20 ms Hann window, 10 ms hop, semicausal padding, |FFT 512|, HTK
// mel 0-8000 Hz, ln(x + mel_floor)) plus the frame validity mask and the
// audio soft-token count.
//
// Two conventions (spec section 3 and 7.5):
//  * kHuggingFace (default; the checkpoints' own processor): frames
//    floor((L_pad - 161) / 160) + 1 with L_pad = L rounded up to a multiple
//    of 128; valid frames floor((L - 161) / 160) + 1; invalid frames zeroed;
//    spectrum, mel product and log in float64.
//  * kKerasHub: the clip padded to 30 s, 3000 frames; floor(L / 160) valid
//    frames; invalid frames keep the log-mel of the padded signal; magnitude,
//    mel product and log in float32 (keras-hub's converter).
// Thread-safety: AudioFeatureExtractor is immutable after construction;
// Compute is const and safe to call concurrently.
#ifndef GEMMA_PREPROCESS_AUDIO_FEATURES_H_
#define GEMMA_PREPROCESS_AUDIO_FEATURES_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "preprocess/fft.h"

namespace gemma::preprocess {

enum class AudioFeatureConvention { kHuggingFace, kKerasHub };

struct AudioFeatureOptions {
  AudioFeatureConvention convention = AudioFeatureConvention::kHuggingFace;
  double mel_floor = 1e-3;  // processor_config.json feature_extractor.
  // Longer input is truncated (30 s at 16 kHz).
  int64_t max_samples = 480000;
  // HF pads a batch to a multiple of this many samples (frames past the real
  // audio are invalid and zeroed).
  int pad_to_multiple_of = 128;
  // Audio soft tokens per clip are capped here (HF audio_seq_length).
  int max_soft_tokens = 750;
  // Optional per-bin normalisation (x - mean) / stddev; empty = none, else
  // 128 entries each.
  std::vector<float> per_bin_mean;
  std::vector<float> per_bin_stddev;
};

struct AudioFeatures {
  int num_frames = 0;
  int num_mels = 128;
  std::vector<float> features;  // [num_frames, num_mels] row-major.
  std::vector<int32_t> mask;    // [num_frames], 1 = valid frame.
  int num_valid_frames = 0;
  int num_soft_tokens = 0;  // ceil(valid / 4), capped (HF; KH: at least 1).
};

// Number of valid frames and audio soft tokens for a clip of `num_samples`
// samples at 16 kHz under a convention (before any truncation).
int NumValidAudioFrames(int64_t num_samples, AudioFeatureConvention convention);
int NumAudioSoftTokens(int64_t num_samples, const AudioFeatureOptions& options);

class AudioFeatureExtractor {
 public:
  explicit AudioFeatureExtractor(AudioFeatureOptions options = {});

  // `samples`: 16 kHz mono float PCM in [-1, 1]. INVALID_ARGUMENT for an
  // empty clip or malformed options.
  absl::StatusOr<AudioFeatures> Compute(
      const std::vector<float>& samples) const;

  const AudioFeatureOptions& options() const { return options_; }

 private:
  AudioFeatureOptions options_;
  RealFft fft_;
  std::vector<float> window_;     // Periodic Hann(320), float32.
  std::vector<double> mel_bank_;  // [257, 128].
  std::vector<float> mel_bank_f32_;
  std::vector<int> mel_first_bin_;  // Non-zero bin range of each filter.
  std::vector<int> mel_end_bin_;
};

}  // namespace gemma::preprocess

#endif  // GEMMA_PREPROCESS_AUDIO_FEATURES_H_
