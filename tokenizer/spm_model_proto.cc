#include "tokenizer/spm_model_proto.h"

#include <cstdint>
#include <cstring>

namespace gemma::tokenizer {
namespace {

constexpr int kWireVarint = 0;
constexpr int kWireLengthDelimited = 2;
constexpr int kWireFixed32 = 5;
constexpr int kModelTypeBpe = 2;

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutTag(int field, int wire, std::string* out) {
  PutVarint((static_cast<uint64_t>(field) << 3) | wire, out);
}

void PutVarintField(int field, uint64_t v, std::string* out) {
  PutTag(field, kWireVarint, out);
  PutVarint(v, out);
}

void PutBytesField(int field, const std::string& bytes, std::string* out) {
  PutTag(field, kWireLengthDelimited, out);
  PutVarint(bytes.size(), out);
  out->append(bytes);
}

void PutFloatField(int field, float v, std::string* out) {
  PutTag(field, kWireFixed32, out);
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  for (int i = 0; i < 4; ++i) {  // little-endian
    out->push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
  }
}

std::string SerializeNormalizer(const SpmNormalizerSpec& n) {
  std::string out;
  PutBytesField(1, n.name, &out);
  PutVarintField(3, n.add_dummy_prefix ? 1 : 0, &out);
  PutVarintField(4, n.remove_extra_whitespaces ? 1 : 0, &out);
  PutVarintField(5, n.escape_whitespaces ? 1 : 0, &out);
  return out;
}

}  // namespace

std::string SerializeBpeModelProto(const SpmModelSpec& spec) {
  std::string out;
  std::string piece_msg;
  for (const SpmPiece& p : spec.pieces) {
    piece_msg.clear();
    PutBytesField(1, p.piece, &piece_msg);
    PutFloatField(2, p.score, &piece_msg);
    PutVarintField(3, static_cast<uint64_t>(p.type), &piece_msg);
    PutBytesField(1, piece_msg, &out);
  }
  std::string trainer;
  PutVarintField(3, kModelTypeBpe, &trainer);
  PutVarintField(4, spec.pieces.size(), &trainer);
  PutVarintField(35, spec.byte_fallback ? 1 : 0, &trainer);
  PutBytesField(2, trainer, &out);
  PutBytesField(3, SerializeNormalizer(spec.normalizer), &out);
  PutBytesField(5, SerializeNormalizer(spec.denormalizer), &out);
  return out;
}

}  // namespace gemma::tokenizer
