#include "preprocess/gif_decode.h"

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace gemma::preprocess {
namespace {

absl::Status Malformed(absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("malformed GIF image: ", what));
}
absl::Status Truncated() {
  return absl::InvalidArgumentError(
      "the GIF image is truncated: its data ends before the first frame is "
      "complete");
}

class Reader {
 public:
  explicit Reader(absl::string_view b) : b_(b) {}
  bool Has(size_t n) const { return pos_ + n <= b_.size(); }
  uint8_t U8() { return static_cast<uint8_t>(b_[pos_++]); }
  uint16_t U16() {
    const uint16_t lo = U8();
    return static_cast<uint16_t>(lo | (U8() << 8));
  }
  void Skip(size_t n) { pos_ += n; }
  absl::string_view Take(size_t n) {
    absl::string_view s = b_.substr(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  absl::string_view b_;
  size_t pos_ = 0;
};

// Skips a chain of data sub-blocks up to and including the terminator.
absl::Status SkipSubBlocks(Reader& r) {
  while (true) {
    if (!r.Has(1)) return Truncated();
    const uint8_t n = r.U8();
    if (n == 0) return absl::OkStatus();
    if (!r.Has(n)) return Truncated();
    r.Skip(n);
  }
}

// Decodes LZW-coded indices; stops after `count` pixels.
absl::StatusOr<std::vector<uint8_t>> DecodeLzw(Reader& r, int min_code_size,
                                               size_t count) {
  if (min_code_size < 2 || min_code_size > 8) {
    return Malformed(absl::StrCat("LZW minimum code size ", min_code_size));
  }
  // Gather the sub-blocks.
  std::string data;
  while (true) {
    if (!r.Has(1)) return Truncated();
    const uint8_t n = r.U8();
    if (n == 0) break;
    if (!r.Has(n)) return Truncated();
    absl::string_view block = r.Take(n);
    data.append(block.data(), block.size());
  }
  const int clear = 1 << min_code_size;
  const int eoi = clear + 1;
  std::vector<uint16_t> prefix(4096);
  std::vector<uint8_t> suffix(4096), first(4096);
  for (int i = 0; i < clear; ++i) {
    suffix[i] = first[i] = static_cast<uint8_t>(i);
  }
  std::vector<uint8_t> out;
  out.reserve(count);
  std::vector<uint8_t> stack;
  int code_size = min_code_size + 1;
  int next = eoi + 1;
  int prev = -1;
  uint32_t acc = 0;
  int bits = 0;
  size_t pos = 0;
  while (out.size() < count) {
    while (bits < code_size) {
      if (pos >= data.size()) return Truncated();
      acc |= static_cast<uint32_t>(static_cast<uint8_t>(data[pos++])) << bits;
      bits += 8;
    }
    const int code = static_cast<int>(acc & ((1u << code_size) - 1));
    acc >>= code_size;
    bits -= code_size;
    if (code == clear) {
      code_size = min_code_size + 1;
      next = eoi + 1;
      prev = -1;
      continue;
    }
    if (code == eoi) break;
    int cur;
    if (prev < 0) {
      if (code >= clear)
        return Malformed("LZW stream starts with a non-literal");
      out.push_back(static_cast<uint8_t>(code));
      prev = code;
      continue;
    }
    if (code < next) {
      cur = code;
    } else if (code == next) {
      cur = prev;  // KwKwK: emits prev's string + its first byte.
    } else {
      return Malformed(absl::StrCat("LZW code ", code, " is not yet defined"));
    }
    stack.clear();
    if (code == next) stack.push_back(first[prev]);
    for (int c = cur; c >= clear; c = prefix[c]) stack.push_back(suffix[c]);
    stack.push_back(static_cast<uint8_t>(cur >= clear ? first[cur] : cur));
    for (auto it = stack.rbegin(); it != stack.rend() && out.size() < count;
         ++it) {
      out.push_back(*it);
    }
    if (next < 4096) {
      prefix[next] = static_cast<uint16_t>(prev);
      suffix[next] = code == next ? first[prev] : first[cur];
      first[next] = first[prev];
      ++next;
      if (next == (1 << code_size) && code_size < 12) ++code_size;
    }
    prev = code;
  }
  if (out.size() < count) return Truncated();
  return out;
}

}  // namespace

absl::StatusOr<RgbImage> DecodeGifFirstFrame(absl::string_view bytes,
                                             int64_t max_pixels) {
  Reader r(bytes);
  if (!r.Has(13)) return Truncated();
  r.Skip(6);  // Signature, checked by the caller's sniffing.
  const int width = r.U16();
  const int height = r.U16();
  const uint8_t flags = r.U8();
  const uint8_t background = r.U8();
  r.Skip(1);  // Pixel aspect ratio.
  if (width == 0 || height == 0) return Malformed("zero screen size");
  std::vector<uint8_t> global;
  if (flags & 0x80) {
    const size_t n = size_t{3} << ((flags & 7) + 1);
    if (!r.Has(n)) return Truncated();
    absl::string_view t = r.Take(n);
    global.assign(t.begin(), t.end());
  }
  int transparent = -1;
  while (true) {
    if (!r.Has(1)) return Truncated();
    const uint8_t tag = r.U8();
    if (tag == 0x3B) return Malformed("no image in the file");
    if (tag == 0x21) {  // Extension.
      if (!r.Has(1)) return Truncated();
      const uint8_t label = r.U8();
      if (label == 0xF9 && r.Has(6)) {  // Graphic control extension.
        const uint8_t size = r.U8();
        if (size >= 4) {
          const uint8_t packed = r.U8();
          r.Skip(2);  // Delay.
          const uint8_t index = r.U8();
          transparent = (packed & 1) ? index : -1;
          r.Skip(size - 4);
        } else {
          r.Skip(size);
        }
      }
      if (auto s = SkipSubBlocks(r); !s.ok()) return s;
      continue;
    }
    if (tag != 0x2C) {
      return Malformed(
          absl::StrCat("unexpected block type 0x", absl::Hex(tag)));
    }
    if (!r.Has(9)) return Truncated();
    const int left = r.U16();
    const int top = r.U16();
    const int fw = r.U16();
    const int fh = r.U16();
    const uint8_t fflags = r.U8();
    std::vector<uint8_t> palette = global;
    if (fflags & 0x80) {
      const size_t n = size_t{3} << ((fflags & 7) + 1);
      if (!r.Has(n)) return Truncated();
      absl::string_view t = r.Take(n);
      palette.assign(t.begin(), t.end());
    }
    if (palette.empty()) return Malformed("no colour table");
    if (!r.Has(1)) return Truncated();
    const int min_code_size = r.U8();
    const size_t count = static_cast<size_t>(fw) * fh;
    // The frame's own size is not covered by the screen-size check.
    if (static_cast<int64_t>(count) > max_pixels) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the GIF frame is ", fw, "x", fh, " = ", count, " pixels; at most ",
          max_pixels, " pixels are accepted"));
    }
    std::vector<uint8_t> indices;
    if (count > 0) {
      auto decoded = DecodeLzw(r, min_code_size, count);
      if (!decoded.ok()) return decoded.status();
      indices = std::move(*decoded);
    }
    // Uncovered screen: transparent if the frame has a transparent index,
    // else the background colour.
    RgbImage img(height, width);
    const size_t colours = palette.size() / 3;
    auto paint = [&](uint8_t* d, int index) {
      if (index == transparent || static_cast<size_t>(index) >= colours) {
        d[0] = d[1] = d[2] = 255;
      } else {
        d[0] = palette[index * 3];
        d[1] = palette[index * 3 + 1];
        d[2] = palette[index * 3 + 2];
      }
    };
    const int fill = transparent >= 0 ? transparent : background;
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) paint(img.Row(y) + x * 3, fill);
    }
    // Interlaced rows come in passes: every 8th from 0, 8th from 4, 4th
    // from 2, 2nd from 1.
    std::vector<int> row_order;
    if (fflags & 0x40) {
      for (int pass = 0; pass < 4; ++pass) {
        static const int kStart[] = {0, 4, 2, 1};
        static const int kStep[] = {8, 8, 4, 2};
        for (int y = kStart[pass]; y < fh; y += kStep[pass]) {
          row_order.push_back(y);
        }
      }
    } else {
      for (int y = 0; y < fh; ++y) row_order.push_back(y);
    }
    for (int i = 0; i < fh; ++i) {
      const int y = top + row_order[i];
      if (y >= height) continue;
      for (int x = 0; x < fw; ++x) {
        if (left + x >= width) break;
        paint(img.Row(y) + (left + x) * 3,
              indices[static_cast<size_t>(i) * fw + x]);
      }
    }
    return img;
  }
}

}  // namespace gemma::preprocess
