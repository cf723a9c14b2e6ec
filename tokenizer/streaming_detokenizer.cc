#include "tokenizer/streaming_detokenizer.h"

#include "tokenizer/utf8.h"

namespace gemma::tokenizer {

StreamingDetokenizer::StreamingDetokenizer(const Tokenizer* tokenizer)
    : tokenizer_(tokenizer) {}

void StreamingDetokenizer::Reset() {
  pending_bytes_.clear();
  at_start_ = true;
}

void StreamingDetokenizer::DrainBytes(bool final, std::string* out) {
  size_t pos = 0;
  while (pos < pending_bytes_.size()) {
    size_t len = 0;
    const Utf8Prefix kind =
        ClassifyUtf8Prefix(absl::string_view(pending_bytes_).substr(pos), &len);
    if (kind == Utf8Prefix::kComplete) {
      out->append(pending_bytes_, pos, len);
      pos += len;
    } else if (kind == Utf8Prefix::kIncomplete && !final) {
      break;  // wait for the rest of the character
    } else {
      out->append(kReplacementChar.data(), kReplacementChar.size());
      ++pos;
    }
  }
  pending_bytes_.erase(0, pos);
}

std::string StreamingDetokenizer::Push(int id) {
  std::string out;
  if (!tokenizer_->IsValidId(id)) return out;
  unsigned char byte;
  if (tokenizer_->IsBytePiece(id, &byte)) {
    pending_bytes_.push_back(static_cast<char>(byte));
    DrainBytes(/*final=*/false, &out);
    at_start_ = false;
    return out;
  }
  DrainBytes(/*final=*/true, &out);
  if (at_start_ && out.empty()) {
    // The first piece of a sequence may be decoded differently (a model with
    // add_dummy_prefix drops its leading space); let the decoder decide.
    const int ids[1] = {id};
    absl::StatusOr<std::string> text = tokenizer_->Decode(ids);
    if (text.ok()) out = *std::move(text);
    at_start_ = out.empty();
    return out;
  }
  out += tokenizer_->PieceSurface(id);
  at_start_ = false;
  return out;
}

std::string StreamingDetokenizer::Flush() {
  std::string out;
  DrainBytes(/*final=*/true, &out);
  return out;
}

}  // namespace gemma::tokenizer
