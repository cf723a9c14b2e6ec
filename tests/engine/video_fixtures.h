// Small videos made at test time with OpenCV: an MJPEG AVI file's bytes and
// lists of PNG frames. Frame i is a horizontal gradient shifted by 8 * i, so
// frames differ from each other and inside themselves.
// Thread-safety: pure functions (each call writes its own temporary file).
#ifndef GEMMA_TESTS_ENGINE_VIDEO_FIXTURES_H_
#define GEMMA_TESTS_ENGINE_VIDEO_FIXTURES_H_

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>
#include <string>
#include <vector>

#include "base/logging.h"
#include "gtest/gtest.h"

namespace gemma::testing {

// Frame `i` of the test videos, `h` x `w`, BGR.
inline cv::Mat GradientFrame(int i, int h, int w) {
  cv::Mat frame(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      cv::Vec3b& p = frame.at<cv::Vec3b>(y, x);
      p[0] = static_cast<uint8_t>((x * 3 + 8 * i) & 255);
      p[1] = static_cast<uint8_t>((y * 2 + 5 * i) & 255);
      p[2] = static_cast<uint8_t>((x + y + 11 * i) & 255);
    }
  }
  return frame;
}

// `n` frames as PNG files' bytes.
inline std::vector<std::string> PngFrames(int n, int h, int w) {
  std::vector<std::string> frames;
  for (int i = 0; i < n; ++i) {
    std::vector<uint8_t> png;
    CHECK(cv::imencode(".png", GradientFrame(i, h, w), png));
    frames.emplace_back(png.begin(), png.end());
  }
  return frames;
}

// An MJPEG AVI of `n` frames at `fps`, as the file's bytes.
inline std::string MjpegAvi(int n, int h, int w, double fps) {
  std::string templ = ::testing::TempDir() + "gemma-video-XXXXXX.avi";
  std::vector<char> name(templ.begin(), templ.end());
  name.push_back('\0');
  const int fd = mkstemps(name.data(), 4);
  CHECK(fd >= 0);
  close(fd);
  const std::string path(name.data());
  {
    cv::VideoWriter writer(path, cv::CAP_OPENCV_MJPEG,
                           cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps,
                           cv::Size(w, h));
    CHECK(writer.isOpened());
    for (int i = 0; i < n; ++i) writer.write(GradientFrame(i, h, w));
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  std::remove(path.c_str());
  CHECK(!bytes.empty());
  return bytes;
}

}  // namespace gemma::testing

#endif  // GEMMA_TESTS_ENGINE_VIDEO_FIXTURES_H_
