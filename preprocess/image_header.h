// Recognises an encoded image's container format from its leading bytes and
// reads the declared width and height from its header, without decoding any
// pixels. Used to reject oversized images (decompression bombs) before the
// decoder allocates memory for them.
// Thread-safety: pure functions.
#ifndef GEMMA_PREPROCESS_IMAGE_HEADER_H_
#define GEMMA_PREPROCESS_IMAGE_HEADER_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gemma::preprocess {

enum class ImageFormat { kPng, kJpeg, kWebp, kBmp, kGif };

// "PNG", "JPEG", ...
absl::string_view ImageFormatName(ImageFormat format);

// The canonical MIME type ("image/png", ...).
absl::string_view ImageFormatMimeType(ImageFormat format);

// Maps a MIME type (case-insensitive, parameters after ';' ignored) to a
// format. Accepts image/png, image/jpeg (and image/jpg, image/pjpeg),
// image/webp, image/bmp (and image/x-ms-bmp), image/gif. Anything else is
// INVALID_ARGUMENT naming the supported types.
absl::StatusOr<ImageFormat> ImageFormatFromMimeType(absl::string_view mime);

struct ImageHeader {
  ImageFormat format;
  int64_t width = 0;
  int64_t height = 0;
};

// Sniffs the format from the magic bytes and parses the declared size
// (PNG IHDR, JPEG SOFn, GIF logical screen, BMP info header, WebP VP8/VP8L/
// VP8X). INVALID_ARGUMENT for unknown formats, truncated headers, or a
// declared size of zero.
absl::StatusOr<ImageHeader> ReadImageHeader(absl::string_view bytes);

}  // namespace gemma::preprocess

#endif  // GEMMA_PREPROCESS_IMAGE_HEADER_H_
