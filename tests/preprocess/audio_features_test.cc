#include "preprocess/audio_features.h"

#include <cmath>
#include <complex>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "preprocess/fft.h"
#include "preprocess/mel_filter_bank.h"
#include "tests/preprocess/media_test_util.h"
#include "tests/testing/npy.h"
#include "tests/testing/status_matchers.h"

namespace gemma::preprocess {
namespace {

using ::gemma::testing::ReadNpy;
using ::gemma::testing::StatusIs;
using testing::MediaPath;

constexpr float kLogFloor = -6.9077554f;  // float32 ln(0.001).

AudioFeatureOptions Convention(AudioFeatureConvention c) {
  AudioFeatureOptions o;
  o.convention = c;
  return o;
}

// keras-hub computes the magnitude, mel product and log in float32 (numpy
// FFT in float64, cast to complex64); this implementation uses float64 for
// those steps and rounds once. Observed: at most 1 ulp (4.8e-7 on values
// near 4), mean 5e-8. Tolerance: 1e-6 max, 1e-7 mean, absolute.
void ExpectCloseToKerasHub(const std::vector<float>& got,
                           const ::gemma::testing::NpyArray& want, int frames) {
  double max_err = 0, sum = 0;
  const int n = frames * 128;
  for (int i = 0; i < n; ++i) {
    const double d = std::abs(double(got[i]) - want.f32()[i]);
    max_err = std::max(max_err, d);
    sum += d;
  }
  EXPECT_LE(max_err, 1e-6);
  EXPECT_LE(sum / n, 1e-7);
}

TEST(FftTest, MatchesDirectDft) {
  std::mt19937 rng(7);
  std::normal_distribution<double> dist;
  std::vector<double> x(512);
  for (double& v : x) v = dist(rng);
  RealFft fft(512);
  std::vector<std::complex<double>> got(257);
  fft.Forward(x.data(), got.data());
  for (int k = 0; k <= 256; k += 17) {
    std::complex<double> want = 0;
    for (int n = 0; n < 512; ++n) {
      want += x[n] * std::polar(1.0, -2 * M_PI * k * n / 512);
    }
    EXPECT_NEAR(got[k].real(), want.real(), 1e-10) << k;
    EXPECT_NEAR(got[k].imag(), want.imag(), 1e-10) << k;
  }
}

TEST(MelFilterBankTest, HtkTriangles) {
  const std::vector<double> bank = HtkMelFilterBank(257, 128, 0, 8000, 16000);
  ASSERT_EQ(bank.size(), 257u * 128);
  // Filter 0 (0-27.9 Hz) hits no bin centre (bins are 31.25 Hz apart).
  for (int k = 0; k < 257; ++k) EXPECT_EQ(bank[k * 128 + 0], 0.0);
  // Every other filter is a triangle peaking at most 1, all weights >= 0.
  for (int m = 1; m < 128; ++m) {
    double peak = 0;
    for (int k = 0; k < 257; ++k) {
      ASSERT_GE(bank[k * 128 + m], 0.0);
      peak = std::max(peak, bank[k * 128 + m]);
    }
    EXPECT_GT(peak, 0.0) << m;
    EXPECT_LE(peak, 1.0) << m;
  }
}

// keras-hub's converter output for the fixture clips: frames 0..255 stored,
// all later frames equal ln(0.001).
TEST(AudioFeaturesTest, KerasHubConventionMatchesGoldenFeatures) {
  AudioFeatureExtractor extractor(
      Convention(AudioFeatureConvention::kKerasHub));
  for (int k = 0; k < 2; ++k) {
    SCOPED_TRACE(k);
    const std::string name = "audio" + std::to_string(k);
    ASSERT_OK_AND_ASSIGN(auto wave,
                         ReadNpy(MediaPath(name + "_waveform_f32.npy")));
    ASSERT_OK_AND_ASSIGN(auto feats,
                         ReadNpy(MediaPath(name + "_kh_features.npy")));
    ASSERT_OK_AND_ASSIGN(auto mask,
                         ReadNpy(MediaPath(name + "_kh_features_mask.npy")));
    ASSERT_OK_AND_ASSIGN(AudioFeatures f, extractor.Compute(wave.ToFloats()));
    ASSERT_EQ(f.num_frames, 3000);
    ASSERT_EQ(feats.shape, (std::vector<int64_t>{256, 128}));
    ExpectCloseToKerasHub(f.features, feats, 256);
    for (size_t i = 256 * 128; i < f.features.size(); ++i) {
      ASSERT_EQ(f.features[i], kLogFloor) << i;
    }
    EXPECT_EQ(f.mask, mask.ToInts());
  }
}

TEST(AudioFeaturesTest, HuggingFaceConventionFramesAndMask) {
  std::ifstream in(MediaPath("audio.json"));
  const nlohmann::json ref = nlohmann::json::parse(in);
  AudioFeatureExtractor extractor;  // Hugging Face convention.
  for (int k = 0; k < 2; ++k) {
    SCOPED_TRACE(k);
    const std::string name = "audio" + std::to_string(k);
    ASSERT_OK_AND_ASSIGN(auto wave,
                         ReadNpy(MediaPath(name + "_waveform_f32.npy")));
    ASSERT_OK_AND_ASSIGN(auto feats,
                         ReadNpy(MediaPath(name + "_kh_features.npy")));
    const int64_t L = wave.size();
    ASSERT_OK_AND_ASSIGN(AudioFeatures f, extractor.Compute(wave.ToFloats()));
    const int valid = ref[name]["hf_valid_frames_formula"];
    EXPECT_EQ(f.num_valid_frames, valid);
    EXPECT_EQ(f.num_soft_tokens,
              ref[name]["hf_audio_tokens_formula"].get<int>());
    // Frames over the length padded to a multiple of 128.
    const int64_t padded = (L + 127) / 128 * 128;
    EXPECT_EQ(f.num_frames, (padded + 160 - 321) / 160 + 1);
    for (int i = 0; i < f.num_frames; ++i) {
      ASSERT_EQ(f.mask[i], i < valid ? 1 : 0);
    }
    // Valid frames cover the same samples as keras-hub's frames; the float64
    // path agrees with keras-hub's float32 path to float32 rounding.
    ExpectCloseToKerasHub(f.features, feats, valid);
    // Invalid frames are zero.
    for (size_t i = valid * 128; i < f.features.size(); ++i) {
      ASSERT_EQ(f.features[i], 0.0f);
    }
  }
  // keras-hub's counts from the same fixture file.
  EXPECT_EQ(
      NumAudioSoftTokens(20800, Convention(AudioFeatureConvention::kKerasHub)),
      ref["audio0"]["kh_audio_tokens"].get<int>());
  EXPECT_EQ(
      NumAudioSoftTokens(5920, Convention(AudioFeatureConvention::kKerasHub)),
      ref["audio1"]["kh_audio_tokens"].get<int>());
}

TEST(AudioFeaturesTest, SpecSelfChecks) {
  AudioFeatureExtractor extractor;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-0.5f, 0.5f);
  std::vector<float> one_second(16000);
  for (float& v : one_second) v = dist(rng);
  ASSERT_OK_AND_ASSIGN(AudioFeatures f, extractor.Compute(one_second));
  EXPECT_EQ(f.num_frames, 99);
  EXPECT_EQ(f.num_valid_frames, 99);
  EXPECT_EQ(f.num_soft_tokens, 25);
  for (int i = 0; i < 99; ++i) ASSERT_EQ(f.features[i * 128], kLogFloor);

  const std::vector<float> thirty(480000, 0.1f);
  ASSERT_OK_AND_ASSIGN(AudioFeatures g, extractor.Compute(thirty));
  EXPECT_EQ(g.num_frames, 2999);
  EXPECT_EQ(g.num_soft_tokens, 750);
  // Longer input is truncated to 30 s.
  ASSERT_OK_AND_ASSIGN(AudioFeatures h,
                       extractor.Compute(std::vector<float>(500000, 0.1f)));
  EXPECT_EQ(h.num_frames, 2999);

  const AudioFeatureOptions hf,
      kh = Convention(AudioFeatureConvention::kKerasHub);
  EXPECT_EQ(NumAudioSoftTokens(16000, hf), 25);
  EXPECT_EQ(NumAudioSoftTokens(32000, hf), 50);
  EXPECT_EQ(NumAudioSoftTokens(8000, hf), 13);
  EXPECT_EQ(NumAudioSoftTokens(16160, hf), 25);
  EXPECT_EQ(NumAudioSoftTokens(16160, kh), 26);
  EXPECT_EQ(NumAudioSoftTokens(12345, hf), 20);  // Holdout clip: 77 frames.
  EXPECT_EQ(NumValidAudioFrames(12345, AudioFeatureConvention::kHuggingFace),
            77);
  EXPECT_EQ(NumAudioSoftTokens(100, hf), 0);
  EXPECT_EQ(NumAudioSoftTokens(100, kh), 1);
}

TEST(AudioFeaturesTest, PerBinNormalisationAndErrors) {
  AudioFeatureOptions o;
  o.per_bin_mean.assign(128, 1.0f);
  o.per_bin_stddev.assign(128, 2.0f);
  AudioFeatureExtractor norm(o);
  AudioFeatureExtractor plain;
  const std::vector<float> x(4000, 0.25f);
  ASSERT_OK_AND_ASSIGN(AudioFeatures a, plain.Compute(x));
  ASSERT_OK_AND_ASSIGN(AudioFeatures b, norm.Compute(x));
  for (int i = 0; i < a.num_valid_frames * 128; ++i) {
    ASSERT_FLOAT_EQ(b.features[i], (a.features[i] - 1.0f) / 2.0f);
  }
  EXPECT_THAT(plain.Compute({}),
              StatusIs(absl::StatusCode::kInvalidArgument, "empty"));
  o.per_bin_mean.resize(3);
  EXPECT_THAT(AudioFeatureExtractor(o).Compute(x),
              StatusIs(absl::StatusCode::kInvalidArgument, "128 entries"));
}

}  // namespace
}  // namespace gemma::preprocess
