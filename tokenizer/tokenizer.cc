#include "tokenizer/tokenizer.h"

#include <sys/stat.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "base/logging.h"
#include "base/mapped_file.h"
#include "base/status_macros.h"
#include "tokenizer/hf_tokenizer_json.h"
#include "tokenizer/spm_processor.h"

namespace gemma::tokenizer {
namespace {

constexpr absl::string_view kSpaceSymbol = "\xE2\x96\x81";  // U+2581 '▁'

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Tokenizer::Tokenizer(std::unique_ptr<internal::SpmProcessor> sp)
    : sp_(std::move(sp)) {
  special_ids_ = SpecialTokenIds::Lookup(
      [this](absl::string_view piece) { return PieceToId(piece); });
  const int unk = sp_->unk_id();
  if (unk >= 0) {
    std::string error;
    if (!sp_->Decode({unk}, &unk_surface_, &error)) unk_surface_.clear();
  }
}

Tokenizer::~Tokenizer() = default;

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromSpmProto(
    absl::string_view serialized, absl::string_view source) {
  std::string error;
  std::unique_ptr<internal::SpmProcessor> sp = internal::SpmProcessor::Load(
      std::string_view(serialized.data(), serialized.size()), &error);
  if (sp == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a valid SentencePiece model: ", source, ": ", error));
  }
  if (sp->PieceSize() <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("SentencePiece model has no pieces: ", source));
  }
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(sp)));
}

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromSpmFile(
    const std::string& path) {
  GEMMA_ASSIGN_OR_RETURN(std::unique_ptr<MappedFile> file,
                         MappedFile::Open(path));
  return FromSpmProto(file->view(), path);
}

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromHfTokenizerJson(
    const std::string& path) {
  GEMMA_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  absl::StatusOr<std::string> proto = BuildSpmModelFromHfTokenizerJson(text);
  if (!proto.ok()) {
    return absl::Status(proto.status().code(),
                        absl::StrCat(path, ": ", proto.status().message()));
  }
  return FromSpmProto(*proto, path);
}

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromModelDir(
    const std::string& dir) {
  const std::string keras = dir + "/assets/tokenizer/vocabulary.spm";
  if (FileExists(keras)) return FromSpmFile(keras);
  const std::string spm = dir + "/tokenizer.model";
  if (FileExists(spm)) return FromSpmFile(spm);
  const std::string json = dir + "/tokenizer.json";
  if (FileExists(json)) return FromHfTokenizerJson(json);
  return absl::NotFoundError(absl::StrCat(
      "no tokenizer in ", dir,
      ": expected assets/tokenizer/vocabulary.spm, tokenizer.model or "
      "tokenizer.json"));
}

std::vector<int> Tokenizer::Encode(absl::string_view text) const {
  std::vector<int> ids;
  std::string error;
  if (!sp_->Encode(std::string_view(text.data(), text.size()), &ids, &error)) {
    // Cannot happen for a loaded model (the processor rejects only an
    // uninitialized state); never return half an encoding.
    LOG(ERROR) << "SentencePiece encode failed: " << error;
    ids.clear();
  }
  return ids;
}

absl::StatusOr<std::string> Tokenizer::Decode(absl::Span<const int> ids) const {
  for (int id : ids) {
    if (!IsValidId(id)) {
      return absl::InvalidArgumentError(
          absl::StrCat("token id ", id, " is outside the vocabulary [0, ",
                       vocab_size(), ")"));
    }
  }
  std::string text, error;
  if (!sp_->Decode(std::vector<int>(ids.begin(), ids.end()), &text, &error)) {
    return absl::InternalError(
        absl::StrCat("SentencePiece decode failed: ", error));
  }
  return text;
}

int Tokenizer::vocab_size() const { return sp_->PieceSize(); }

std::string Tokenizer::IdToPiece(int id) const {
  if (!IsValidId(id)) return "";
  return sp_->IdToPiece(id);
}

int Tokenizer::PieceToId(absl::string_view piece) const {
  const int id = sp_->PieceToId(std::string_view(piece.data(), piece.size()));
  if (!IsValidId(id) || sp_->IdToPiece(id) != piece) return -1;
  return id;
}

bool Tokenizer::IsSpecialForPostprocess(int id, bool strip_audio_tokens) const {
  if (id < 0) return false;
  const SpecialTokenIds& s = special_ids_;
  if (id == s.bos || id == s.eos || id == s.pad || id == s.image_placeholder ||
      id == s.image_end || id == s.video_placeholder) {
    return true;
  }
  return strip_audio_tokens && (id == s.audio_start || id == s.audio_end ||
                                id == s.audio_placeholder);
}

std::vector<int> Tokenizer::StripForPostprocess(absl::Span<const int> ids,
                                                bool strip_audio_tokens) const {
  std::vector<int> out;
  out.reserve(ids.size());
  for (int id : ids) {
    if (!IsSpecialForPostprocess(id, strip_audio_tokens)) out.push_back(id);
  }
  return out;
}

bool Tokenizer::IsBytePiece(int id, unsigned char* byte) const {
  if (!IsValidId(id) || !sp_->IsByte(id)) return false;
  const std::string& piece = sp_->IdToPiece(id);  // "<0xNN>"
  if (piece.size() != 6) return false;
  const int hi = HexValue(piece[3]), lo = HexValue(piece[4]);
  if (hi < 0 || lo < 0) return false;
  *byte = static_cast<unsigned char>(hi * 16 + lo);
  return true;
}

std::string Tokenizer::PieceSurface(int id) const {
  if (!IsValidId(id) || sp_->IsControl(id)) return "";
  if (sp_->IsUnknown(id)) return unk_surface_;
  return absl::StrReplaceAll(sp_->IdToPiece(id), {{kSpaceSymbol, " "}});
}

}  // namespace gemma::tokenizer
