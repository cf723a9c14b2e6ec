#include "preprocess/image_header.h"

#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace gemma::preprocess {
namespace {

uint32_t Be16(const unsigned char* p) { return (uint32_t{p[0]} << 8) | p[1]; }
uint32_t Be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
         (uint32_t{p[2]} << 8) | p[3];
}
uint32_t Le16(const unsigned char* p) { return uint32_t{p[0]} | (p[1] << 8); }
uint32_t Le24(const unsigned char* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16);
}
uint32_t Le32(const unsigned char* p) {
  return Le24(p) | (uint32_t{p[3]} << 24);
}

absl::Status Truncated(ImageFormat format) {
  return absl::InvalidArgumentError(
      absl::StrCat("the ", ImageFormatName(format),
                   " image is truncated: its header is incomplete"));
}

absl::StatusOr<ImageHeader> ParsePng(const unsigned char* p, size_t n) {
  // Signature (8), then the first chunk must be IHDR: length, type, w, h.
  if (n < 24) return Truncated(ImageFormat::kPng);
  if (absl::string_view(reinterpret_cast<const char*>(p + 12), 4) != "IHDR") {
    return absl::InvalidArgumentError(
        "malformed PNG image: the first chunk is not IHDR");
  }
  return ImageHeader{ImageFormat::kPng, Be32(p + 16), Be32(p + 20)};
}

absl::StatusOr<ImageHeader> ParseJpeg(const unsigned char* p, size_t n) {
  size_t i = 2;  // After SOI (FF D8).
  while (true) {
    // Skip fill bytes before a marker.
    while (i < n && p[i] == 0xFF && i + 1 < n && p[i + 1] == 0xFF) ++i;
    if (i + 4 > n) return Truncated(ImageFormat::kJpeg);
    if (p[i] != 0xFF) {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed JPEG image: expected a marker at byte ", i));
    }
    const unsigned char marker = p[i + 1];
    if (marker == 0xD9 || marker == 0xDA) {
      return absl::InvalidArgumentError(
          "malformed JPEG image: no frame header (SOF) before the image data");
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      i += 2;  // Standalone markers have no length.
      continue;
    }
    const uint32_t len = Be16(p + i + 2);
    if (len < 2) {
      return absl::InvalidArgumentError(
          "malformed JPEG image: segment length below 2");
    }
    const bool is_sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 &&
                        marker != 0xC8 && marker != 0xCC;
    if (is_sof) {
      if (i + 9 > n) return Truncated(ImageFormat::kJpeg);
      return ImageHeader{ImageFormat::kJpeg, Be16(p + i + 7), Be16(p + i + 5)};
    }
    i += 2 + len;
  }
}

absl::StatusOr<ImageHeader> ParseGif(const unsigned char* p, size_t n) {
  if (n < 10) return Truncated(ImageFormat::kGif);
  return ImageHeader{ImageFormat::kGif, Le16(p + 6), Le16(p + 8)};
}

absl::StatusOr<ImageHeader> ParseBmp(const unsigned char* p, size_t n) {
  if (n < 18) return Truncated(ImageFormat::kBmp);
  const uint32_t dib_size = Le32(p + 14);
  if (dib_size == 12) {  // OS/2 BITMAPCOREHEADER: 16-bit sizes.
    if (n < 22) return Truncated(ImageFormat::kBmp);
    return ImageHeader{ImageFormat::kBmp, Le16(p + 18), Le16(p + 20)};
  }
  if (dib_size < 40) {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed BMP image: unknown info header size ", dib_size));
  }
  if (n < 26) return Truncated(ImageFormat::kBmp);
  const int32_t w = static_cast<int32_t>(Le32(p + 18));
  const int32_t h = static_cast<int32_t>(Le32(p + 22));  // < 0: top-down.
  return ImageHeader{ImageFormat::kBmp, std::llabs(int64_t{w}),
                     std::llabs(int64_t{h})};
}

absl::StatusOr<ImageHeader> ParseWebp(const unsigned char* p, size_t n) {
  // RIFF <size> WEBP <fourcc> <chunk size> <payload>.
  if (n < 30) return Truncated(ImageFormat::kWebp);
  const absl::string_view fourcc(reinterpret_cast<const char*>(p + 12), 4);
  const unsigned char* d = p + 20;
  if (fourcc == "VP8 ") {
    // Frame tag (3), start code 9D 01 2A, 14-bit width and height.
    if (d[3] != 0x9D || d[4] != 0x01 || d[5] != 0x2A) {
      return absl::InvalidArgumentError(
          "malformed WebP image: bad VP8 start code");
    }
    return ImageHeader{ImageFormat::kWebp, Le16(d + 6) & 0x3FFF,
                       Le16(d + 8) & 0x3FFF};
  }
  if (fourcc == "VP8L") {
    if (d[0] != 0x2F) {
      return absl::InvalidArgumentError(
          "malformed WebP image: bad VP8L signature");
    }
    const uint32_t bits = Le32(d + 1);
    return ImageHeader{ImageFormat::kWebp, (bits & 0x3FFF) + 1,
                       ((bits >> 14) & 0x3FFF) + 1};
  }
  if (fourcc == "VP8X") {
    return ImageHeader{ImageFormat::kWebp, int64_t{Le24(d + 4)} + 1,
                       int64_t{Le24(d + 7)} + 1};
  }
  return absl::InvalidArgumentError(
      absl::StrCat("malformed WebP image: unknown first chunk '", fourcc, "'"));
}

}  // namespace

absl::string_view ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kPng:
      return "PNG";
    case ImageFormat::kJpeg:
      return "JPEG";
    case ImageFormat::kWebp:
      return "WebP";
    case ImageFormat::kBmp:
      return "BMP";
    case ImageFormat::kGif:
      return "GIF";
  }
  return "unknown";
}

absl::string_view ImageFormatMimeType(ImageFormat format) {
  switch (format) {
    case ImageFormat::kPng:
      return "image/png";
    case ImageFormat::kJpeg:
      return "image/jpeg";
    case ImageFormat::kWebp:
      return "image/webp";
    case ImageFormat::kBmp:
      return "image/bmp";
    case ImageFormat::kGif:
      return "image/gif";
  }
  return "application/octet-stream";
}

absl::StatusOr<ImageFormat> ImageFormatFromMimeType(absl::string_view mime) {
  absl::string_view base = mime.substr(0, mime.find(';'));
  const std::string m = absl::AsciiStrToLower(absl::StripAsciiWhitespace(base));
  if (m == "image/png") return ImageFormat::kPng;
  if (m == "image/jpeg" || m == "image/jpg" || m == "image/pjpeg") {
    return ImageFormat::kJpeg;
  }
  if (m == "image/webp") return ImageFormat::kWebp;
  if (m == "image/bmp" || m == "image/x-ms-bmp") return ImageFormat::kBmp;
  if (m == "image/gif") return ImageFormat::kGif;
  return absl::InvalidArgumentError(absl::StrCat(
      "unsupported image MIME type '", mime,
      "'; supported: image/png, image/jpeg, image/webp, image/bmp, image/gif"));
}

absl::StatusOr<ImageHeader> ReadImageHeader(absl::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  absl::StatusOr<ImageHeader> header;
  if (n >= 8 && bytes.substr(0, 8) == "\x89PNG\r\n\x1a\n") {
    header = ParsePng(p, n);
  } else if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) {
    header = ParseJpeg(p, n);
  } else if (n >= 6 && (bytes.substr(0, 6) == "GIF87a" ||
                        bytes.substr(0, 6) == "GIF89a")) {
    header = ParseGif(p, n);
  } else if (n >= 2 && bytes.substr(0, 2) == "BM") {
    header = ParseBmp(p, n);
  } else if (n >= 12 && bytes.substr(0, 4) == "RIFF" &&
             bytes.substr(8, 4) == "WEBP") {
    header = ParseWebp(p, n);
  } else if (n == 0) {
    return absl::InvalidArgumentError("the image is empty (0 bytes)");
  } else {
    return absl::InvalidArgumentError(
        "unrecognised image data: not a PNG, JPEG, WebP, BMP or GIF file");
  }
  if (!header.ok()) return header.status();
  if (header->width <= 0 || header->height <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the ", ImageFormatName(header->format), " image declares a size of ",
        header->width, "x", header->height,
        " pixels; width and height must be positive"));
  }
  return header;
}

}  // namespace gemma::preprocess
