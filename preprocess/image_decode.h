// Decodes an encoded image (PNG, JPEG, WebP, BMP, GIF first frame) into 8-bit
// RGB, the form the image processor takes.
//
// Conversion rules (they match the reference fixtures, which follow Pillow):
//  * JPEG EXIF orientation is applied.
//  * Grayscale is replicated to R = G = B.
//  * 16-bit samples keep their high byte.
//  * An alpha channel is composited over opaque white exactly like Pillow's
//    Image.alpha_composite(white, image).convert("RGB").
//    Palette and greyscale PNGs with a tRNS chunk count as having alpha;
//    truecolour PNGs with a tRNS colour key do not (Pillow keeps them "RGB").
//  * GIF: the first frame (own decoder, gif_decode.h); its transparent
//    index becomes white.
// The declared size is read from the file header and checked against the
// limits before any pixel memory is allocated.
// Thread-safety: pure functions; safe to call concurrently.
#ifndef GEMMA_PREPROCESS_IMAGE_DECODE_H_
#define GEMMA_PREPROCESS_IMAGE_DECODE_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "preprocess/rgb_image.h"

namespace gemma::preprocess {

struct ImageDecodeLimits {
  // Encoded size limit.
  size_t max_bytes = size_t{64} << 20;
  // Declared width * height limit (Pillow warns at 89 million).
  int64_t max_pixels = int64_t{50} * 1000 * 1000;
  // Declared width and height limit, each.
  int64_t max_side = 16384;
};

// `mime_type` may be empty (the format is sniffed from the bytes); otherwise
// it must name a supported type and agree with the bytes.
// Errors (all INVALID_ARGUMENT, message says what is wrong): empty,
// unrecognised or unsupported data, MIME type mismatch, truncated or corrupt
// files, zero or over-limit sizes.
absl::StatusOr<RgbImage> DecodeImage(absl::string_view bytes,
                                     absl::string_view mime_type = {},
                                     const ImageDecodeLimits& limits = {});

// Pillow's alpha_composite of one RGBA pixel over opaque white, returning the
// RGB result (exposed for tests).
void CompositeOverWhite(const uint8_t rgba[4], uint8_t rgb[3]);

}  // namespace gemma::preprocess

#endif  // GEMMA_PREPROCESS_IMAGE_DECODE_H_
