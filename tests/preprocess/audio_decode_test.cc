#include "preprocess/audio_decode.h"

#include <sndfile.h>

#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/preprocess/audio_test_util.h"
#include "tests/preprocess/media_test_util.h"
#include "tests/testing/npy.h"
#include "tests/testing/status_matchers.h"

namespace gemma::preprocess {
namespace {

using ::gemma::testing::ReadNpy;
using ::gemma::testing::StatusIs;
using testing::EncodeAudio;
using testing::MediaPath;
using testing::ReadFileBytes;
using testing::Tone;

// Correlation of x with a unit sine/cosine pair at `hz`.
double ToneAmplitude(const std::vector<float>& x, double hz, int rate) {
  double s = 0, c = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    s += x[i] * std::sin(2 * M_PI * hz * i / rate);
    c += x[i] * std::cos(2 * M_PI * hz * i / rate);
  }
  return 2 * std::sqrt(s * s + c * c) / x.size();
}

TEST(AudioDecodeTest, FixtureWavEqualsReferenceWaveform) {
  for (int k = 0; k < 2; ++k) {
    SCOPED_TRACE(k);
    const std::string name = "audio" + std::to_string(k);
    ASSERT_OK_AND_ASSIGN(std::string bytes,
                         ReadFileBytes(MediaPath(name + ".wav")));
    ASSERT_OK_AND_ASSIGN(DecodedAudio a, DecodeAudio(bytes, "audio/wav"));
    ASSERT_OK_AND_ASSIGN(auto want,
                         ReadNpy(MediaPath(name + "_waveform_f32.npy")));
    EXPECT_EQ(a.sample_rate, 16000);
    EXPECT_EQ(a.source_channels, 1);
    // PCM16 / 32768, bit for bit.
    EXPECT_EQ(a.samples, want.ToFloats());
  }
}

TEST(AudioDecodeTest, SampleFormatsAndContainers) {
  const std::vector<float> tone = Tone(440, 16000, 0.25);
  const struct {
    int format;
    const char* mime;
    float tolerance;
  } cases[] = {
      {SF_FORMAT_WAV | SF_FORMAT_PCM_16, "audio/wav", 1.0f / 32768},
      {SF_FORMAT_WAV | SF_FORMAT_PCM_24, "audio/x-wav", 1.0f / (1 << 23)},
      {SF_FORMAT_WAV | SF_FORMAT_PCM_32, "audio/wave", 1e-7f},
      {SF_FORMAT_WAV | SF_FORMAT_FLOAT, "audio/wav", 0.0f},
      {SF_FORMAT_FLAC | SF_FORMAT_PCM_16, "audio/flac", 1.0f / 32768},
      {SF_FORMAT_OGG | SF_FORMAT_VORBIS, "audio/ogg", 0.05f},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.mime + std::to_string(c.format));
    const std::string bytes = EncodeAudio(tone, 1, 16000, c.format);
    ASSERT_OK_AND_ASSIGN(DecodedAudio a, DecodeAudio(bytes, c.mime));
    ASSERT_EQ(a.samples.size(), tone.size());
    float max_err = 0;
    for (size_t i = 0; i < tone.size(); ++i) {
      max_err = std::max(max_err, std::abs(a.samples[i] - tone[i]));
    }
    EXPECT_LE(max_err, c.tolerance);
  }
}

TEST(AudioDecodeTest, LossyCodecsKeepDurationAndTone) {
  const struct {
    int format;
    const char* mime;
  } cases[] = {
      {SF_FORMAT_OGG | SF_FORMAT_OPUS, "audio/ogg"},
      {SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, "audio/mpeg"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.mime);
    const std::string bytes =
        EncodeAudio(Tone(440, 16000, 1.0), 1, 16000, c.format);
    ASSERT_OK_AND_ASSIGN(DecodedAudio a, DecodeAudio(bytes, c.mime));
    EXPECT_NEAR(a.duration_seconds(), 1.0, 0.08);
    const std::vector<float> mid(a.samples.begin() + 2000,
                                 a.samples.begin() + 14000);
    EXPECT_NEAR(ToneAmplitude(mid, 440, 16000), 0.5, 0.05);
  }
}

TEST(AudioDecodeTest, StereoIsAveraged) {
  std::vector<float> stereo;
  for (int i = 0; i < 1000; ++i) {
    stereo.push_back(0.5f);
    stereo.push_back(-0.25f);
  }
  const std::string bytes =
      EncodeAudio(stereo, 2, 16000, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  ASSERT_OK_AND_ASSIGN(DecodedAudio a, DecodeAudio(bytes));
  EXPECT_EQ(a.source_channels, 2);
  ASSERT_EQ(a.samples.size(), 1000u);
  for (float v : a.samples) ASSERT_EQ(v, 0.125f);
}

TEST(AudioDecodeTest, ResamplesTo16kHz) {
  for (int rate : {8000, 22050, 44100, 48000}) {
    SCOPED_TRACE(rate);
    const std::string bytes = EncodeAudio(Tone(1000, rate, 1.0), 1, rate,
                                          SF_FORMAT_WAV | SF_FORMAT_FLOAT);
    ASSERT_OK_AND_ASSIGN(DecodedAudio a, DecodeAudio(bytes));
    EXPECT_EQ(a.source_sample_rate, rate);
    EXPECT_EQ(a.sample_rate, 16000);
    EXPECT_NEAR(static_cast<double>(a.samples.size()), 16000.0, 2.0);
    EXPECT_NEAR(a.duration_seconds(), 1.0, 1e-3);
    // The 1 kHz tone survives with its amplitude (0.5).
    const std::vector<float> mid(a.samples.begin() + 1000,
                                 a.samples.end() - 1000);
    EXPECT_NEAR(ToneAmplitude(mid, 1000, 16000), 0.5, 0.01);
  }
}

// ---- Bad media. ----

TEST(AudioDecodeBadMediaTest, WavWithLyingHeader) {
  std::string bytes = EncodeAudio(Tone(440, 16000, 0.1), 1, 16000,
                                  SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  // Patch the data chunk size to claim 10x the real data.
  const size_t data = bytes.find("data");
  ASSERT_NE(data, std::string::npos);
  const uint32_t claimed = 32000;
  for (int i = 0; i < 4; ++i)
    bytes[data + 4 + i] = char((claimed >> (8 * i)) & 255);
  EXPECT_THAT(DecodeAudio(bytes),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "the WAV header declares 32000 bytes of audio data but "
                       "only 3200 follow"));
  // A WAV cut in the middle of its data chunk is the same failure.
  const std::string good = EncodeAudio(Tone(440, 16000, 0.1), 1, 16000,
                                       SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  EXPECT_THAT(DecodeAudio(good.substr(0, good.size() - 1000)),
              StatusIs(absl::StatusCode::kInvalidArgument, "truncated"));
}

TEST(AudioDecodeBadMediaTest, TenMinutesExceedsLimit) {
  const std::vector<float> silence(8000 * 600, 0.0f);  // 10 min at 8 kHz.
  const std::string bytes =
      EncodeAudio(silence, 1, 8000, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  EXPECT_THAT(
      DecodeAudio(bytes),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "the audio is 600.0 s long; at most 30.0 s are accepted"));
  AudioDecodeOptions lenient;
  lenient.max_seconds = 700;
  ASSERT_OK_AND_ASSIGN(DecodedAudio a, DecodeAudio(bytes, "", lenient));
  EXPECT_NEAR(a.duration_seconds(), 600.0, 1e-3);
}

TEST(AudioDecodeBadMediaTest, UnsupportedOrGarbage) {
  const std::string wav = EncodeAudio(Tone(440, 16000, 0.1), 1, 16000,
                                      SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  EXPECT_THAT(DecodeAudio(wav, "audio/aac"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unsupported audio MIME type 'audio/aac'"));
  EXPECT_THAT(DecodeAudio(wav, "audio/flac"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "declared as audio/flac but its data is WAV"));
  EXPECT_THAT(
      DecodeAudio("this is plain text, not audio"),
      StatusIs(absl::StatusCode::kInvalidArgument, "unrecognised audio data"));
  EXPECT_THAT(DecodeAudio("ID3\x03junkjunkjunk", "audio/mpeg"),
              StatusIs(absl::StatusCode::kInvalidArgument, "MP3 audio"));
  EXPECT_THAT(DecodeAudio(""),
              StatusIs(absl::StatusCode::kInvalidArgument, "empty"));
  std::string fake_flac = "fLaC";
  for (int i = 0; i < 100; ++i) fake_flac += char(i * 13);
  EXPECT_THAT(DecodeAudio(fake_flac, "audio/flac"),
              StatusIs(absl::StatusCode::kInvalidArgument, "FLAC audio"));
  // Header only: no samples.
  const std::string empty_wav =
      EncodeAudio({}, 1, 16000, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  EXPECT_THAT(DecodeAudio(empty_wav),
              StatusIs(absl::StatusCode::kInvalidArgument, "no samples"));
}

}  // namespace
}  // namespace gemma::preprocess
