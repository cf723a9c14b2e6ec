// A thin adapter over sentencepiece::SentencePieceProcessor that exposes only
// standard-library types.
//
// Debian's sentencepiece header declares `absl::string_view` as an alias of
// std::string_view, while Debian's Abseil defines its own absl::string_view
// class; the two cannot be seen by one translation unit. This unit is the
// only place that includes the sentencepiece header, and it includes no
// Abseil header, so the rest of the tokenizer can use Abseil freely.
//
// Thread-safety: after Load, every method is const and safe to call from any
// number of threads at once (sentencepiece's processor is immutable once
// loaded).
#ifndef GEMMA_TOKENIZER_SPM_PROCESSOR_H_
#define GEMMA_TOKENIZER_SPM_PROCESSOR_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}  // namespace sentencepiece

namespace gemma::tokenizer::internal {

class SpmProcessor {
 public:
  // Parses a serialized sentencepiece ModelProto. On failure returns null and
  // sets *error to sentencepiece's message.
  static std::unique_ptr<SpmProcessor> Load(std::string_view serialized,
                                            std::string* error);
  ~SpmProcessor();

  SpmProcessor(const SpmProcessor&) = delete;
  SpmProcessor& operator=(const SpmProcessor&) = delete;

  // Both return false and set *error on failure.
  bool Encode(std::string_view text, std::vector<int>* ids,
              std::string* error) const;
  bool Decode(const std::vector<int>& ids, std::string* text,
              std::string* error) const;

  int PieceSize() const;
  // `id` must be in [0, PieceSize()).
  const std::string& IdToPiece(int id) const;
  // Returns the unknown id for strings that are not pieces.
  int PieceToId(std::string_view piece) const;
  int unk_id() const;
  bool IsByte(int id) const;
  bool IsControl(int id) const;
  bool IsUnknown(int id) const;
  bool IsUnused(int id) const;

 private:
  SpmProcessor();
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
};

}  // namespace gemma::tokenizer::internal

#endif  // GEMMA_TOKENIZER_SPM_PROCESSOR_H_
