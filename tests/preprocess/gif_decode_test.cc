#include "preprocess/gif_decode.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "preprocess/image_decode.h"
#include "tests/testing/status_matchers.h"

namespace gemma::preprocess {
namespace {

using ::gemma::testing::StatusIs;

// A plain GIF LZW encoder (test-only). With `reset_when_full` false the
// table is left full (no clear code), which decoders must also accept.
std::string LzwEncode(const std::vector<uint8_t>& pixels, int min_code_size,
                      bool reset_when_full) {
  const int clear = 1 << min_code_size;
  const int eoi = clear + 1;
  std::map<std::pair<int, int>, int> table;
  int next = eoi + 1;
  int code_size = min_code_size + 1;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  auto emit = [&](int code) {
    acc |= static_cast<uint32_t>(code) << bits;
    bits += code_size;
    while (bits >= 8) {
      out += char(acc & 255);
      acc >>= 8;
      bits -= 8;
    }
  };
  emit(clear);
  int prefix = pixels[0];
  for (size_t i = 1; i < pixels.size(); ++i) {
    const int c = pixels[i];
    auto it = table.find({prefix, c});
    if (it != table.end()) {
      prefix = it->second;
      continue;
    }
    emit(prefix);
    if (next < 4096) {
      table[{prefix, c}] = next++;
      // The decoder lags one code behind, so widen when it will need it.
      if (next > (1 << code_size) && code_size < 12) ++code_size;
    } else if (reset_when_full) {
      emit(clear);
      table.clear();
      next = eoi + 1;
      code_size = min_code_size + 1;
    }
    prefix = c;
  }
  emit(prefix);
  emit(eoi);
  if (bits > 0) out += char(acc & 255);
  return out;
}

struct GifSpec {
  int width, height;
  std::vector<uint8_t> palette;  // RGB triples, a power-of-two count >= 2.
  std::vector<uint8_t> pixels;   // Row-major indices (in display order).
  int transparent = -1;
  bool interlaced = false;
  bool reset_when_full = true;
};

std::string MakeGif(const GifSpec& s) {
  int bits = 1;
  while ((2 << (bits - 1)) * 3 < static_cast<int>(s.palette.size())) ++bits;
  std::string g = "GIF89a";
  auto u16 = [&](int v) {
    g += char(v & 255);
    g += char(v >> 8);
  };
  u16(s.width);
  u16(s.height);
  g += char(0x80 | (bits - 1));
  g += char(0);
  g += char(0);
  std::string pal(s.palette.begin(), s.palette.end());
  pal.resize(size_t{3} << bits, '\0');
  g += pal;
  if (s.transparent >= 0) {
    g += std::string("\x21\xF9\x04\x01\x00\x00", 6);
    g += char(s.transparent);
    g += char(0);
  }
  g += char(0x2C);
  u16(0);
  u16(0);
  u16(s.width);
  u16(s.height);
  g += char(s.interlaced ? 0x40 : 0);
  std::vector<uint8_t> stream = s.pixels;
  if (s.interlaced) {
    stream.clear();
    const int start[] = {0, 4, 2, 1}, step[] = {8, 8, 4, 2};
    for (int p = 0; p < 4; ++p) {
      for (int y = start[p]; y < s.height; y += step[p]) {
        stream.insert(stream.end(), s.pixels.begin() + y * s.width,
                      s.pixels.begin() + (y + 1) * s.width);
      }
    }
  }
  const int min_code = std::max(2, bits);
  g += char(min_code);
  const std::string data = LzwEncode(stream, min_code, s.reset_when_full);
  for (size_t i = 0; i < data.size(); i += 255) {
    const std::string block = data.substr(i, 255);
    g += char(block.size());
    g += block;
  }
  g += char(0);
  g += ';';
  return g;
}

GifSpec Pattern(int w, int h, int colours) {
  GifSpec s{w, h, {}, {}};
  for (int i = 0; i < colours; ++i) {
    s.palette.push_back(uint8_t(i * 37));
    s.palette.push_back(uint8_t(255 - i * 11));
    s.palette.push_back(uint8_t(i * 5));
  }
  uint32_t r = 12345;
  for (int i = 0; i < w * h; ++i) {
    r = r * 1103515245u + 12345u;
    // Mostly runs (compressible, long strings) with some noise.
    s.pixels.push_back(
        uint8_t(((i / 7) + ((r >> 16) % 5 == 0 ? r >> 20 : 0)) % colours));
  }
  return s;
}

void ExpectPixels(const RgbImage& img, const GifSpec& s) {
  ASSERT_EQ(img.width, s.width);
  ASSERT_EQ(img.height, s.height);
  for (int i = 0; i < s.width * s.height; ++i) {
    const int idx = s.pixels[i];
    for (int c = 0; c < 3; ++c) {
      const int want = idx == s.transparent ? 255 : s.palette[idx * 3 + c];
      ASSERT_EQ(img.data[i * 3 + c], want) << "pixel " << i;
    }
  }
}

TEST(GifDecodeTest, LongLzwStreamsWithTableResets) {
  const GifSpec s = Pattern(300, 200, 16);  // Fills the 4096-entry table.
  ASSERT_OK_AND_ASSIGN(RgbImage img, DecodeGifFirstFrame(MakeGif(s)));
  ExpectPixels(img, s);
}

TEST(GifDecodeTest, FullTableWithoutClearCode) {
  GifSpec s = Pattern(300, 200, 256);
  s.reset_when_full = false;
  ASSERT_OK_AND_ASSIGN(RgbImage img, DecodeGifFirstFrame(MakeGif(s)));
  ExpectPixels(img, s);
}

TEST(GifDecodeTest, InterlacedAndTransparent) {
  GifSpec s = Pattern(23, 19, 4);
  s.interlaced = true;
  s.transparent = 2;
  ASSERT_OK_AND_ASSIGN(RgbImage img, DecodeImage(MakeGif(s), "image/gif"));
  ExpectPixels(img, s);
}

TEST(GifDecodeTest, OversizedFrameInSmallScreenIsRefused) {
  // A 4x2 screen whose frame claims 65535 x 65535 pixels (4.3 GB).
  std::string gif = MakeGif(Pattern(4, 2, 4));
  const size_t desc = gif.find('\x2C');
  ASSERT_NE(desc, std::string::npos);
  for (int i = 5; i <= 8; ++i) gif[desc + i] = '\xFF';
  EXPECT_THAT(DecodeImage(gif),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "GIF frame is 65535x65535 = 4294836225 pixels"));
}

TEST(GifDecodeTest, TruncatedAndMalformed) {
  const std::string gif = MakeGif(Pattern(64, 64, 8));
  EXPECT_THAT(
      DecodeGifFirstFrame(gif.substr(0, gif.size() / 2)),
      StatusIs(absl::StatusCode::kInvalidArgument, "GIF image is truncated"));
  EXPECT_THAT(DecodeImage(gif.substr(0, 11)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::string no_image = gif.substr(0, 13 + 24) + ";";
  EXPECT_THAT(DecodeGifFirstFrame(no_image),
              StatusIs(absl::StatusCode::kInvalidArgument, "no image"));
  std::string bad_block = gif.substr(0, 13 + 24) + "\x99";
  EXPECT_THAT(DecodeGifFirstFrame(bad_block),
              StatusIs(absl::StatusCode::kInvalidArgument, "unexpected block"));
}

}  // namespace
}  // namespace gemma::preprocess
