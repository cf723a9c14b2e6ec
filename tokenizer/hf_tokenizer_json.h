// Converts a Hugging Face fast-tokenizer `tokenizer.json` (BPE with byte
// fallback, as shipped with Gemma 4) into an equivalent serialized
// SentencePiece model, the way keras-hub's converter does (spec §6.1):
//  - piece id = HF vocab id; every `added_tokens` entry is USER_DEFINED (so it
//    matches atomically anywhere in text), <0xNN> pieces are BYTE, <unk> is
//    UNKNOWN, the rest NORMAL;
//  - a piece produced by merge rule r scores -r (the last rule producing a
//    string wins); other pieces score -(#merges + 1);
//  - `<|video|>` is added with id 258884 if absent;
//  - identity normalizer, no dummy prefix, spaces escaped as U+2581.
//
// Thread-safety: pure function.
#ifndef GEMMA_TOKENIZER_HF_TOKENIZER_JSON_H_
#define GEMMA_TOKENIZER_HF_TOKENIZER_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tokenizer/spm_model_proto.h"

namespace gemma::tokenizer {

// Builds the piece table from tokenizer.json text. Errors (INVALID_ARGUMENT)
// name what is wrong: not JSON, not a BPE model, missing vocab/merges, ids
// that are not exactly 0..N-1.
absl::StatusOr<SpmModelSpec> SpmModelSpecFromHfTokenizerJson(
    absl::string_view json_text);

// SpmModelSpecFromHfTokenizerJson + SerializeBpeModelProto.
absl::StatusOr<std::string> BuildSpmModelFromHfTokenizerJson(
    absl::string_view json_text);

}  // namespace gemma::tokenizer

#endif  // GEMMA_TOKENIZER_HF_TOKENIZER_JSON_H_
