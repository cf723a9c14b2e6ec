// Incremental detokenizer for one generation stream: Push(id) returns the
// text that became final with that token, never half a UTF-8 character
// (byte-fallback pieces such as <0xE3> are held until their character is
// complete). The concatenation of every Push() result and Flush() equals
// Tokenizer::Decode of the same ids.
//
// Thread-safety: one instance per request, used by one thread at a time. The
// Tokenizer it refers to must outlive it.
#ifndef GEMMA_TOKENIZER_STREAMING_DETOKENIZER_H_
#define GEMMA_TOKENIZER_STREAMING_DETOKENIZER_H_

#include <string>

#include "tokenizer/tokenizer.h"

namespace gemma::tokenizer {

class StreamingDetokenizer {
 public:
  explicit StreamingDetokenizer(const Tokenizer* tokenizer);

  // Appends one token. Ids outside the vocabulary produce no text (the
  // engine only samples valid ids).
  std::string Push(int id);
  // Ends the stream: returns the held bytes (malformed ones as U+FFFD).
  std::string Flush();
  // Forgets all state, e.g. to reuse the object for another request.
  void Reset();

 private:
  // Moves every decided character of pending_bytes_ to *out; with `final`,
  // an incomplete tail is decided too (as U+FFFD per byte).
  void DrainBytes(bool final, std::string* out);

  const Tokenizer* tokenizer_;
  std::string pending_bytes_;
  bool at_start_ = true;
};

}  // namespace gemma::tokenizer

#endif  // GEMMA_TOKENIZER_STREAMING_DETOKENIZER_H_
