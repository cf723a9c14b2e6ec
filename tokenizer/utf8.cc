#include "tokenizer/utf8.h"

#include <cstdint>

namespace gemma::tokenizer {
namespace {

bool IsContinuation(uint8_t b) { return (b & 0xC0) == 0x80; }

}  // namespace

Utf8Prefix ClassifyUtf8Prefix(absl::string_view s, size_t* length) {
  const uint8_t b0 = static_cast<uint8_t>(s[0]);
  size_t n;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 < 0x80) {
    *length = 1;
    return Utf8Prefix::kComplete;
  } else if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return Utf8Prefix::kInvalid;
  }
  for (size_t i = 1; i < n; ++i) {
    if (i >= s.size()) return Utf8Prefix::kIncomplete;
    const uint8_t b = static_cast<uint8_t>(s[i]);
    if (i == 1 ? (b < lo || b > hi) : !IsContinuation(b)) {
      return Utf8Prefix::kInvalid;
    }
  }
  *length = n;
  return Utf8Prefix::kComplete;
}

void AppendWithReplacement(absl::string_view bytes, std::string* out) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    size_t len = 0;
    if (ClassifyUtf8Prefix(bytes.substr(pos), &len) == Utf8Prefix::kComplete) {
      out->append(bytes.data() + pos, len);
      pos += len;
    } else {
      out->append(kReplacementChar.data(), kReplacementChar.size());
      ++pos;
    }
  }
}

char32_t NextCodePoint(absl::string_view s, size_t* pos) {
  size_t len = 0;
  if (ClassifyUtf8Prefix(s.substr(*pos), &len) != Utf8Prefix::kComplete) {
    ++*pos;
    return 0xFFFD;
  }
  const auto* p = reinterpret_cast<const uint8_t*>(s.data() + *pos);
  *pos += len;
  switch (len) {
    case 1:
      return p[0];
    case 2:
      return (char32_t{p[0] & 0x1Fu} << 6) | (p[1] & 0x3Fu);
    case 3:
      return (char32_t{p[0] & 0x0Fu} << 12) | (char32_t{p[1] & 0x3Fu} << 6) |
             (p[2] & 0x3Fu);
    default:
      return (char32_t{p[0] & 0x07u} << 18) | (char32_t{p[1] & 0x3Fu} << 12) |
             (char32_t{p[2] & 0x3Fu} << 6) | (p[3] & 0x3Fu);
  }
}

}  // namespace gemma::tokenizer
