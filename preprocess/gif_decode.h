// A self-contained decoder for the first frame of a GIF (87a/89a): LZW,
// global/local palettes, interlacing, the graphic-control transparency
// index. Transparent pixels, and screen areas the first frame does not
// cover, come out white (the service's alpha-over-white rule), matching
// Pillow's first frame after convert("RGBA") and compositing over white.
// Written here because OpenCV 4.6 has no GIF codec, and so that untrusted
// images never reach a general video demuxer.
// Thread-safety: pure function.
#ifndef GEMMA_PREPROCESS_GIF_DECODE_H_
#define GEMMA_PREPROCESS_GIF_DECODE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "preprocess/rgb_image.h"

namespace gemma::preprocess {

// INVALID_ARGUMENT for malformed or truncated data, or a first frame larger
// than `max_pixels`. The caller checks the declared screen size against its
// limits first (ReadImageHeader); parts of the frame outside the screen are
// clipped.
absl::StatusOr<RgbImage> DecodeGifFirstFrame(absl::string_view bytes,
                                             int64_t max_pixels = int64_t{50} *
                                                                  1000 * 1000);

}  // namespace gemma::preprocess

#endif  // GEMMA_PREPROCESS_GIF_DECODE_H_
