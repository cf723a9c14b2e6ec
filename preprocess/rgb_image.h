// An 8-bit RGB image in memory: the common currency between image decoding,
// resampling and patch extraction.
// Thread-safety: a plain value type; safe to share read-only.
#ifndef GEMMA_PREPROCESS_RGB_IMAGE_H_
#define GEMMA_PREPROCESS_RGB_IMAGE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace gemma::preprocess {

// Row-major, interleaved R, G, B bytes: pixel (y, x) channel c lives at
// data[(y * width + x) * 3 + c].
struct RgbImage {
  int height = 0;
  int width = 0;
  std::vector<uint8_t> data;

  RgbImage() = default;
  RgbImage(int h, int w)
      : height(h), width(w), data(static_cast<size_t>(h) * w * 3) {}

  uint8_t* Row(int y) {
    return data.data() + static_cast<size_t>(y) * width * 3;
  }
  const uint8_t* Row(int y) const {
    return data.data() + static_cast<size_t>(y) * width * 3;
  }
  uint8_t at(int y, int x, int c) const {
    return data[(static_cast<size_t>(y) * width + x) * 3 + c];
  }
};

}  // namespace gemma::preprocess

#endif  // GEMMA_PREPROCESS_RGB_IMAGE_H_
