// Tokenizes a prompt whose text contains media placeholders, expanding each
// placeholder to its token block (spec §5.2 step 1, §6.4):
//   <|image|> -> <|image> + N x <|image|> + <image|>
//   <|audio|> -> <|audio> + N x <|audio|> + <audio|>
//   <|video|> -> per frame "MM:SS " + <|image> + n x <|video|> + <image|>,
//                frames joined by one space
// N is whatever the caller's preprocessing decided: keras-hub uses a fixed
// count per image (280 on real presets), Hugging Face each image's own count.
// The text around the placeholders is tokenized piecewise, which gives the
// same ids as tokenizing the expanded text (markers are user-defined pieces).
//
// Thread-safety: pure function (the Tokenizer is thread-safe).
#ifndef GEMMA_TOKENIZER_MEDIA_PROMPT_H_
#define GEMMA_TOKENIZER_MEDIA_PROMPT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "tokenizer/tokenizer.h"

namespace gemma::tokenizer {

enum class MediaKind { kImage, kAudio, kVideo };

// One media item, in the order its placeholder appears in the text.
struct MediaItem {
  MediaKind kind = MediaKind::kImage;
  int num_tokens = 0;                         // image / audio soft tokens
  std::vector<std::string> frame_timestamps;  // video: "MM:SS" per frame
  int tokens_per_frame = 0;                   // video
};

struct MediaPrompt {
  std::vector<int> token_ids;
  // Per media item: the positions in token_ids of its soft tokens (the
  // <|image|>/<|audio|>/<|video|> ids), i.e. where encoder outputs go.
  std::vector<std::vector<int>> soft_token_positions;
};

// `add_bos` prepends the BOS id (keras-hub always does; spec §5.2). Errors
// (INVALID_ARGUMENT) when the placeholders in `text` do not match `items` in
// number and kind, a count is not positive, or the vocabulary lacks a marker.
absl::StatusOr<MediaPrompt> TokenizeWithMedia(const Tokenizer& tokenizer,
                                              absl::string_view text,
                                              absl::Span<const MediaItem> items,
                                              bool add_bos = true);

}  // namespace gemma::tokenizer

#endif  // GEMMA_TOKENIZER_MEDIA_PROMPT_H_
