#include "preprocess/audio_features.h"

#include <algorithm>
#include <cmath>
#include <complex>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "preprocess/mel_filter_bank.h"

namespace gemma::preprocess {
namespace {

constexpr int kSampleRate = 16000;
constexpr int kFrameLength = 320;
constexpr int kHop = 160;
constexpr int kFftLength = 512;
constexpr int kNumBins = kFftLength / 2 + 1;
constexpr int kNumMels = 128;
constexpr int kKerasHubFrames = 3000;

}  // namespace

int NumValidAudioFrames(int64_t num_samples, AudioFeatureConvention c) {
  if (num_samples <= 0) return 0;
  if (c == AudioFeatureConvention::kKerasHub) {
    return static_cast<int>(
        std::min<int64_t>(num_samples / kHop, kKerasHubFrames));
  }
  if (num_samples < 161) return 0;
  return static_cast<int>((num_samples - 161) / kHop + 1);
}

int NumAudioSoftTokens(int64_t num_samples, const AudioFeatureOptions& o) {
  const int64_t n = std::min(num_samples, o.max_samples);
  const int valid = NumValidAudioFrames(n, o.convention);
  int tokens = (valid + 3) / 4;
  if (o.convention == AudioFeatureConvention::kKerasHub) {
    tokens = std::max(tokens, 1);
  }
  return std::min(tokens, o.max_soft_tokens);
}

AudioFeatureExtractor::AudioFeatureExtractor(AudioFeatureOptions options)
    : options_(std::move(options)), fft_(kFftLength) {
  // Periodic Hann computed in float64, stored as float32 (the references'
  // window; one ulp of difference here shows up as 1e-5 on quiet mel bins).
  window_.resize(kFrameLength);
  for (int n = 0; n < kFrameLength; ++n) {
    window_[n] =
        static_cast<float>(0.5 - 0.5 * std::cos(2.0 * M_PI * n / kFrameLength));
  }
  mel_bank_ =
      HtkMelFilterBank(kNumBins, kNumMels, 0.0, kSampleRate / 2, kSampleRate);
  mel_bank_f32_.assign(mel_bank_.begin(), mel_bank_.end());
  // Each triangle covers a few bins; the zero terms are skipped (adding
  // +0.0 would not change the sums).
  mel_first_bin_.assign(kNumMels, 0);
  mel_end_bin_.assign(kNumMels, 0);
  for (int m = 0; m < kNumMels; ++m) {
    int first = kNumBins, end = 0;
    for (int k = 0; k < kNumBins; ++k) {
      if (mel_bank_[static_cast<size_t>(k) * kNumMels + m] != 0.0) {
        first = std::min(first, k);
        end = k + 1;
      }
    }
    mel_first_bin_[m] = first;
    mel_end_bin_[m] = std::max(end, first);
  }
}

absl::StatusOr<AudioFeatures> AudioFeatureExtractor::Compute(
    const std::vector<float>& samples) const {
  const AudioFeatureOptions& o = options_;
  if (samples.empty()) {
    return absl::InvalidArgumentError("the audio clip is empty (0 samples)");
  }
  if (o.mel_floor <= 0 || o.max_samples <= 0 || o.pad_to_multiple_of <= 0) {
    return absl::InvalidArgumentError(
        "audio feature options: mel_floor, max_samples and pad_to_multiple_of "
        "must be positive");
  }
  if ((!o.per_bin_mean.empty() && o.per_bin_mean.size() != kNumMels) ||
      (!o.per_bin_stddev.empty() && o.per_bin_stddev.size() != kNumMels)) {
    return absl::InvalidArgumentError(
        absl::StrCat("per-bin mean/stddev must have ", kNumMels, " entries"));
  }
  const bool kh = o.convention == AudioFeatureConvention::kKerasHub;
  const int64_t length =
      std::min<int64_t>(static_cast<int64_t>(samples.size()), o.max_samples);

  // Signal with 160 zeros prepended, then zero padding to `padded` samples.
  int64_t padded;
  int num_frames;
  if (kh) {
    padded = o.max_samples;
    num_frames = static_cast<int>(padded / kHop);
  } else {
    padded = (length + o.pad_to_multiple_of - 1) / o.pad_to_multiple_of *
             o.pad_to_multiple_of;
    // Windows of 321 samples (the last only feeds the disabled preemphasis).
    const int64_t total = padded + kHop;
    num_frames =
        total < kFrameLength + 1
            ? 0
            : static_cast<int>((total - (kFrameLength + 1)) / kHop + 1);
  }
  std::vector<float> signal(static_cast<size_t>(padded + kHop + kFrameLength),
                            0.0f);
  std::copy(samples.begin(), samples.begin() + length, signal.begin() + kHop);

  AudioFeatures out;
  out.num_frames = num_frames;
  out.num_mels = kNumMels;
  out.num_valid_frames =
      std::min(NumValidAudioFrames(length, o.convention), num_frames);
  out.num_soft_tokens = NumAudioSoftTokens(length, o);
  out.features.assign(static_cast<size_t>(num_frames) * kNumMels, 0.0f);
  out.mask.assign(num_frames, 0);
  for (int i = 0; i < out.num_valid_frames; ++i) out.mask[i] = 1;

  std::vector<double> frame(kFftLength, 0.0);
  std::vector<std::complex<double>> spectrum(kNumBins);
  std::vector<double> magnitude(kNumBins);
  const float log_floor32 = std::log(static_cast<float>(o.mel_floor));
  for (int f = 0; f < num_frames; ++f) {
    float* dst = &out.features[static_cast<size_t>(f) * kNumMels];
    if (!kh && !out.mask[f]) continue;  // HF zeroes invalid frames.
    const float* src = &signal[static_cast<size_t>(f) * kHop];
    bool silent = true;
    for (int n = 0; n < kFrameLength; ++n) {
      frame[n] = static_cast<double>(src[n] * window_[n]);  // float32 product.
      silent &= frame[n] == 0.0;
    }
    if (silent && kh) {  // Whole frame in the zero padding.
      std::fill(dst, dst + kNumMels, log_floor32);
      continue;
    }
    fft_.Forward(frame.data(), spectrum.data());
    if (kh) {
      // complex64 spectrum, float32 magnitude, mel product and log.
      std::vector<float> mag32(kNumBins);
      for (int k = 0; k < kNumBins; ++k) {
        const std::complex<float> c(static_cast<float>(spectrum[k].real()),
                                    static_cast<float>(spectrum[k].imag()));
        const float re2 = c.real() * c.real();
        const float im2 = c.imag() * c.imag();
        mag32[k] = std::sqrt(re2 + im2);
      }
      for (int m = 0; m < kNumMels; ++m) {
        float acc = 0.0f;
        for (int k = mel_first_bin_[m]; k < mel_end_bin_[m]; ++k) {
          const float prod =
              mag32[k] * mel_bank_f32_[static_cast<size_t>(k) * kNumMels + m];
          acc += prod;
        }
        dst[m] = std::log(acc + static_cast<float>(o.mel_floor));
      }
    } else {
      for (int k = 0; k < kNumBins; ++k) magnitude[k] = std::abs(spectrum[k]);
      for (int m = 0; m < kNumMels; ++m) {
        double acc = 0.0;
        for (int k = mel_first_bin_[m]; k < mel_end_bin_[m]; ++k) {
          acc +=
              magnitude[k] * mel_bank_[static_cast<size_t>(k) * kNumMels + m];
        }
        dst[m] = static_cast<float>(std::log(acc + o.mel_floor));
      }
    }
    if (!o.per_bin_mean.empty() || !o.per_bin_stddev.empty()) {
      for (int m = 0; m < kNumMels; ++m) {
        const float mean = o.per_bin_mean.empty() ? 0.0f : o.per_bin_mean[m];
        const float sd = o.per_bin_stddev.empty() ? 1.0f : o.per_bin_stddev[m];
        dst[m] = (dst[m] - mean) / sd;
      }
    }
  }
  return out;
}

}  // namespace gemma::preprocess
