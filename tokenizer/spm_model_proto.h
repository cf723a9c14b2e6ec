// Serializes a SentencePiece ModelProto (the on-disk .model / .spm format)
// from a plain description. Only the fields a BPE model with byte fallback
// needs are written; field numbers follow sentencepiece_model.proto:
//   ModelProto: pieces=1, trainer_spec=2, normalizer_spec=3,
//               denormalizer_spec=5
//   SentencePiece: piece=1, score=2 (float), type=3
//   TrainerSpec: model_type=3, vocab_size=4, byte_fallback=35
//   NormalizerSpec: name=1, add_dummy_prefix=3, remove_extra_whitespaces=4,
//                   escape_whitespaces=5
//
// Thread-safety: pure functions.
#ifndef GEMMA_TOKENIZER_SPM_MODEL_PROTO_H_
#define GEMMA_TOKENIZER_SPM_MODEL_PROTO_H_

#include <string>
#include <vector>

namespace gemma::tokenizer {

// SentencePiece piece types (ModelProto.SentencePiece.Type).
enum class SpmPieceType {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

struct SpmPiece {
  std::string piece;
  float score = 0.0f;
  SpmPieceType type = SpmPieceType::kNormal;
};

struct SpmNormalizerSpec {
  std::string name = "identity";
  bool add_dummy_prefix = false;
  bool remove_extra_whitespaces = false;
  bool escape_whitespaces = true;
};

struct SpmModelSpec {
  std::vector<SpmPiece> pieces;  // index == id
  bool byte_fallback = true;
  SpmNormalizerSpec normalizer;
  SpmNormalizerSpec denormalizer;
};

// Serializes `spec` as a BPE ModelProto (model_type BPE, vocab_size =
// pieces.size()).
std::string SerializeBpeModelProto(const SpmModelSpec& spec);

}  // namespace gemma::tokenizer

#endif  // GEMMA_TOKENIZER_SPM_MODEL_PROTO_H_
