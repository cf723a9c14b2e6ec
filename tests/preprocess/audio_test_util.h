// Encodes test audio in memory with libsndfile (WAV/FLAC/Ogg). Test-only.
#ifndef GEMMA_TESTS_PREPROCESS_AUDIO_TEST_UTIL_H_
#define GEMMA_TESTS_PREPROCESS_AUDIO_TEST_UTIL_H_

#include <sndfile.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "base/logging.h"
#include "gtest/gtest.h"
#include "tests/preprocess/media_test_util.h"

namespace gemma::preprocess::testing {

// `interleaved` holds frames * channels samples in [-1, 1].
inline std::string EncodeAudio(const std::vector<float>& interleaved,
                               int channels, int rate, int format) {
  std::string templ = ::testing::TempDir() + "gemma-audio-test-XXXXXX";
  std::vector<char> name(templ.begin(), templ.end());
  name.push_back('\0');
  char* path = name.data();
  const int fd = mkstemp(path);
  CHECK(fd >= 0);
  SF_INFO info{};
  info.channels = channels;
  info.samplerate = rate;
  info.format = format;
  SNDFILE* f = sf_open_fd(fd, SFM_WRITE, &info, /*close_desc=*/1);
  CHECK(f != nullptr) << sf_strerror(nullptr);
  CHECK(sf_writef_float(f, interleaved.data(), interleaved.size() / channels) ==
        static_cast<sf_count_t>(interleaved.size() / channels));
  sf_close(f);
  auto bytes = ReadFileBytes(path);
  std::remove(path);
  CHECK(bytes.ok());
  return *bytes;
}

inline std::vector<float> Tone(double hz, int rate, double seconds,
                               double amplitude = 0.5) {
  std::vector<float> v(static_cast<size_t>(std::lround(rate * seconds)));
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = static_cast<float>(amplitude * std::sin(2 * M_PI * hz * i / rate));
  }
  return v;
}

}  // namespace gemma::preprocess::testing

#endif  // GEMMA_TESTS_PREPROCESS_AUDIO_TEST_UTIL_H_
