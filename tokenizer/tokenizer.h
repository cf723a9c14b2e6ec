// The Gemma 4 text tokenizer: a SentencePiece BPE model with byte fallback
// (spec §6.1), loaded from a serialized SentencePiece model (Keras preset
// `assets/tokenizer/vocabulary.spm`, Hugging Face `tokenizer.model`) or
// rebuilt from a Hugging Face `tokenizer.json` exactly as keras-hub does.
//
// Encode adds no BOS/EOS (like keras-hub's tokenizer); the caller prepends
// `special_ids().bos` (spec §5.2). Decode follows SentencePiece: `▁` becomes a
// space, byte pieces are assembled into UTF-8 (malformed bytes become
// U+FFFD), control pieces vanish, user-defined pieces appear verbatim.
//
// Thread-safety: immutable after construction; every method is const and may
// be called concurrently from any number of threads.
#ifndef GEMMA_TOKENIZER_TOKENIZER_H_
#define GEMMA_TOKENIZER_TOKENIZER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "tokenizer/special_tokens.h"

namespace gemma::tokenizer {

namespace internal {
class SpmProcessor;
}  // namespace internal

class Tokenizer {
 public:
  // Loads a serialized SentencePiece model file.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> FromSpmFile(
      const std::string& path);
  // Loads a serialized SentencePiece model held in memory; `source` names it
  // in error messages.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> FromSpmProto(
      absl::string_view serialized, absl::string_view source);
  // Builds the SentencePiece model from a Hugging Face tokenizer.json
  // (spec §6.1; see hf_tokenizer_json.h).
  static absl::StatusOr<std::unique_ptr<Tokenizer>> FromHfTokenizerJson(
      const std::string& path);
  // Finds the tokenizer of a checkpoint directory: a Keras preset's
  // assets/tokenizer/vocabulary.spm, else tokenizer.model, else
  // tokenizer.json.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> FromModelDir(
      const std::string& dir);

  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Text to ids, without BOS. Marker strings such as "<|turn>" that are
  // user-defined pieces become their single ids.
  std::vector<int> Encode(absl::string_view text) const;
  // Ids to text. Fails only for ids outside [0, vocab_size()).
  absl::StatusOr<std::string> Decode(absl::Span<const int> ids) const;

  int vocab_size() const;
  bool IsValidId(int id) const { return id >= 0 && id < vocab_size(); }
  // The piece string, or "" for an invalid id.
  std::string IdToPiece(int id) const;
  // The id of the piece spelled exactly `piece`, or -1 if there is none.
  int PieceToId(absl::string_view piece) const;

  const SpecialTokenIds& special_ids() const { return special_ids_; }

  // keras-hub's generate_postprocess strip set (spec §5.4): <bos>, <eos>,
  // <pad>, <|image|>, <image|>, <|video|>, and, when the model has an audio
  // converter, <|audio>, <|audio|>, <audio|>. <|image> and <turn|> are kept.
  bool IsSpecialForPostprocess(int id, bool strip_audio_tokens = true) const;
  // `ids` without the postprocess-special ids.
  std::vector<int> StripForPostprocess(absl::Span<const int> ids,
                                       bool strip_audio_tokens = true) const;

  // --- Piece-level decoding, used by StreamingDetokenizer. ---
  // True if `id` is a byte-fallback piece <0xNN>; sets *byte.
  bool IsBytePiece(int id, unsigned char* byte) const;
  // What a non-byte piece contributes to Decode's output when it is not the
  // first piece of the sequence.
  std::string PieceSurface(int id) const;

 private:
  explicit Tokenizer(std::unique_ptr<internal::SpmProcessor> sp);

  std::unique_ptr<internal::SpmProcessor> sp_;
  SpecialTokenIds special_ids_;
  std::string unk_surface_;
};

}  // namespace gemma::tokenizer

#endif  // GEMMA_TOKENIZER_TOKENIZER_H_
