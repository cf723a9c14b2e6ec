// Deliberately includes no Abseil header: see spm_processor.h.
#include "tokenizer/spm_processor.h"

#include <sentencepiece_processor.h>

namespace gemma::tokenizer::internal {

SpmProcessor::SpmProcessor()
    : sp_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {}

SpmProcessor::~SpmProcessor() = default;

std::unique_ptr<SpmProcessor> SpmProcessor::Load(std::string_view serialized,
                                                 std::string* error) {
  std::unique_ptr<SpmProcessor> p(new SpmProcessor());
  const sentencepiece::util::Status status =
      p->sp_->LoadFromSerializedProto(serialized);
  if (!status.ok()) {
    *error = status.ToString();
    return nullptr;
  }
  return p;
}

bool SpmProcessor::Encode(std::string_view text, std::vector<int>* ids,
                          std::string* error) const {
  const sentencepiece::util::Status status = sp_->Encode(text, ids);
  if (!status.ok()) {
    *error = status.ToString();
    return false;
  }
  return true;
}

bool SpmProcessor::Decode(const std::vector<int>& ids, std::string* text,
                          std::string* error) const {
  const sentencepiece::util::Status status = sp_->Decode(ids, text);
  if (!status.ok()) {
    *error = status.ToString();
    return false;
  }
  return true;
}

int SpmProcessor::PieceSize() const { return sp_->GetPieceSize(); }
const std::string& SpmProcessor::IdToPiece(int id) const {
  return sp_->IdToPiece(id);
}
int SpmProcessor::PieceToId(std::string_view piece) const {
  return sp_->PieceToId(piece);
}
int SpmProcessor::unk_id() const { return sp_->unk_id(); }
bool SpmProcessor::IsByte(int id) const { return sp_->IsByte(id); }
bool SpmProcessor::IsControl(int id) const { return sp_->IsControl(id); }
bool SpmProcessor::IsUnknown(int id) const { return sp_->IsUnknown(id); }
bool SpmProcessor::IsUnused(int id) const { return sp_->IsUnused(id); }

}  // namespace gemma::tokenizer::internal
