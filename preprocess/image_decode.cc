#include "preprocess/image_decode.h"

#include <exception>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "preprocess/gif_decode.h"
#include "preprocess/image_header.h"

namespace gemma::preprocess {
namespace {

absl::Status CheckLimits(const ImageHeader& h, const ImageDecodeLimits& lim) {
  const absl::string_view name = ImageFormatName(h.format);
  if (h.width > lim.max_side || h.height > lim.max_side) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the ", name, " image is ", h.width, "x", h.height,
        " pixels (width x height); each side may be at most ", lim.max_side));
  }
  if (h.width * h.height > lim.max_pixels) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", name, " image is ", h.width, "x", h.height, " = ",
                     h.width * h.height, " pixels; at most ", lim.max_pixels,
                     " pixels are accepted"));
  }
  return absl::OkStatus();
}

// A JPEG whose entropy-coded data is cut short still "decodes" in libjpeg
// (with grey fill); require the end-of-image marker after the scan start.
absl::Status CheckJpegComplete(absl::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 2;
  while (i + 4 <= n) {
    if (p[i] != 0xFF) break;
    const unsigned char marker = p[i + 1];
    if (marker == 0xFF) {
      ++i;
      continue;
    }
    if (marker == 0xDA) {
      if (bytes.find("\xFF\xD9", i) == absl::string_view::npos) break;
      return absl::OkStatus();
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      i += 2;
      continue;
    }
    i += 2 + ((size_t{p[i + 2]} << 8) | p[i + 3]);
  }
  return absl::InvalidArgumentError(
      "the JPEG image is truncated or corrupt: no complete scan followed by "
      "an end-of-image marker");
}

// Turns any decoded Mat (8/16-bit, 1-4 channels, OpenCV's BGR order) into RGB.
absl::StatusOr<RgbImage> ToRgb(const cv::Mat& decoded) {
  cv::Mat m = decoded;
  if (m.depth() == CV_16U) {
    cv::Mat m8(m.size(), CV_MAKETYPE(CV_8U, m.channels()));
    const size_t count = m.total() * m.channels();
    const cv::Mat c = m.isContinuous() ? m : m.clone();
    const uint16_t* src = c.ptr<uint16_t>();
    uint8_t* dst = m8.ptr<uint8_t>();
    for (size_t i = 0; i < count; ++i)
      dst[i] = static_cast<uint8_t>(src[i] >> 8);
    m = m8;
  } else if (m.depth() != CV_8U) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported image sample depth (OpenCV depth code ",
                     m.depth(), "); only 8- and 16-bit images are accepted"));
  }
  const int ch = m.channels();
  if (ch < 1 || ch > 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported image with ", ch, " channels"));
  }
  RgbImage out(m.rows, m.cols);
  for (int y = 0; y < m.rows; ++y) {
    const uint8_t* s = m.ptr<uint8_t>(y);
    uint8_t* d = out.Row(y);
    for (int x = 0; x < m.cols; ++x, s += ch, d += 3) {
      switch (ch) {
        case 1:
          d[0] = d[1] = d[2] = s[0];
          break;
        case 2: {
          const uint8_t rgba[4] = {s[0], s[0], s[0], s[1]};
          CompositeOverWhite(rgba, d);
          break;
        }
        case 3:
          d[0] = s[2];
          d[1] = s[1];
          d[2] = s[0];
          break;
        case 4: {
          const uint8_t rgba[4] = {s[2], s[1], s[0], s[3]};
          CompositeOverWhite(rgba, d);
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace

void CompositeOverWhite(const uint8_t rgba[4], uint8_t rgb[3]) {
  // Pillow's ImagingAlphaComposite with dst = (255, 255, 255, 255): 7 extra
  // bits of precision and rounded divisions by 255.
  constexpr uint32_t kPrecisionBits = 7;
  const uint32_t a = rgba[3];
  if (a == 0) {
    rgb[0] = rgb[1] = rgb[2] = 255;
    return;
  }
  const uint32_t blend = 255 * (255 - a);
  const uint32_t outa255 = a * 255 + blend;
  const uint32_t coef1 = a * 255 * 255 * (1u << kPrecisionBits) / outa255;
  const uint32_t coef2 = 255 * (1u << kPrecisionBits) - coef1;
  for (int c = 0; c < 3; ++c) {
    const uint32_t tmp =
        rgba[c] * coef1 + 255 * coef2 + (0x80u << kPrecisionBits);
    rgb[c] = static_cast<uint8_t>((((tmp >> 8) + tmp) >> 8) >> kPrecisionBits);
  }
}

absl::StatusOr<RgbImage> DecodeImage(absl::string_view bytes,
                                     absl::string_view mime_type,
                                     const ImageDecodeLimits& limits) {
  if (bytes.size() > limits.max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the encoded image is ", bytes.size(), " bytes; at most ",
                     limits.max_bytes, " are accepted"));
  }
  bool has_mime = !mime_type.empty();
  ImageFormat declared = ImageFormat::kPng;
  if (has_mime) {
    GEMMA_ASSIGN_OR_RETURN(declared, ImageFormatFromMimeType(mime_type));
  }
  GEMMA_ASSIGN_OR_RETURN(const ImageHeader header, ReadImageHeader(bytes));
  if (has_mime && declared != header.format) {
    return absl::InvalidArgumentError(
        absl::StrCat("the image was declared as ", mime_type,
                     " but its data is ", ImageFormatName(header.format)));
  }
  GEMMA_RETURN_IF_ERROR(CheckLimits(header, limits));
  if (header.format == ImageFormat::kJpeg) {
    GEMMA_RETURN_IF_ERROR(CheckJpegComplete(bytes));
  }

  if (header.format == ImageFormat::kGif) {
    return DecodeGifFirstFrame(bytes, limits.max_pixels);
  }

  // IMREAD_COLOR applies the EXIF orientation (JPEG has no alpha);
  // IMREAD_UNCHANGED keeps alpha and 16-bit samples for the others.
  const int flags = header.format == ImageFormat::kJpeg ? cv::IMREAD_COLOR
                                                        : cv::IMREAD_UNCHANGED;
  cv::Mat decoded;
  try {
    const cv::Mat buf(1, static_cast<int>(bytes.size()), CV_8UC1,
                      const_cast<char*>(bytes.data()));
    decoded = cv::imdecode(buf, flags);
  } catch (const std::exception&) {  // cv::Exception, std::bad_alloc.
    decoded.release();
  }
  if (decoded.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the ", ImageFormatName(header.format),
        " image could not be decoded: the data is corrupt or truncated"));
  }
  // The decoder must not produce more than the header declared (EXIF may
  // swap the sides).
  if (int64_t{decoded.rows} * decoded.cols > header.width * header.height) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the ", ImageFormatName(header.format), " image decoded to ",
        decoded.cols, "x", decoded.rows, " pixels but its header declares ",
        header.width, "x", header.height));
  }
  // A truecolour PNG (colour type 2) whose tRNS chunk names a transparent
  // colour is still an "RGB" image to Pillow, which the reference rule does
  // not composite; OpenCV turns the colour key into alpha, so drop it.
  if (header.format == ImageFormat::kPng && bytes.size() > 25 &&
      bytes[25] == 2 && decoded.channels() == 4) {
    cv::Mat bgr;
    cv::cvtColor(decoded, bgr, cv::COLOR_BGRA2BGR);
    decoded = bgr;
  }
  return ToRgb(decoded);
}

}  // namespace gemma::preprocess
