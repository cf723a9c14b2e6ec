// Ids of the control and chat-format tokens of a Gemma 4 vocabulary
// (spec §6.2, §6.5.9), looked up by their strings so that a vocabulary with a
// different layout (such as the small test fixtures) works too.
//
// Thread-safety: a plain value type.
#ifndef GEMMA_TOKENIZER_SPECIAL_TOKENS_H_
#define GEMMA_TOKENIZER_SPECIAL_TOKENS_H_

#include <functional>
#include <string>

#include "absl/strings/string_view.h"

namespace gemma::tokenizer {

// Token strings of the Gemma 4 chat format.
inline constexpr absl::string_view kPadToken = "<pad>";
inline constexpr absl::string_view kEosToken = "<eos>";
inline constexpr absl::string_view kBosToken = "<bos>";
inline constexpr absl::string_view kUnkToken = "<unk>";
inline constexpr absl::string_view kMaskToken = "<mask>";
inline constexpr absl::string_view kTurnStart = "<|turn>";
inline constexpr absl::string_view kTurnEnd = "<turn|>";
inline constexpr absl::string_view kImageStart = "<|image>";
inline constexpr absl::string_view kImageEnd = "<image|>";
inline constexpr absl::string_view kImagePlaceholder = "<|image|>";
inline constexpr absl::string_view kAudioStart = "<|audio>";
inline constexpr absl::string_view kAudioEnd = "<audio|>";
inline constexpr absl::string_view kAudioPlaceholder = "<|audio|>";
inline constexpr absl::string_view kVideoPlaceholder = "<|video|>";
inline constexpr absl::string_view kToolStart = "<|tool>";
inline constexpr absl::string_view kToolEnd = "<tool|>";
inline constexpr absl::string_view kToolCallStart = "<|tool_call>";
inline constexpr absl::string_view kToolCallEnd = "<tool_call|>";
inline constexpr absl::string_view kToolResponseStart = "<|tool_response>";
inline constexpr absl::string_view kToolResponseEnd = "<tool_response|>";
inline constexpr absl::string_view kStringQuote = "<|\"|>";
inline constexpr absl::string_view kThink = "<|think|>";
inline constexpr absl::string_view kChannelStart = "<|channel>";
inline constexpr absl::string_view kChannelEnd = "<channel|>";

// Every id is -1 when the vocabulary has no piece with that exact string.
struct SpecialTokenIds {
  int pad = -1;
  int eos = -1;
  int bos = -1;
  int unk = -1;
  int mask = -1;
  int turn_start = -1;           // <|turn>
  int turn_end = -1;             // <turn|>
  int image_start = -1;          // <|image> (BOI; also starts video frames)
  int image_end = -1;            // <image|> (EOI)
  int image_placeholder = -1;    // <|image|>
  int audio_start = -1;          // <|audio>
  int audio_end = -1;            // <audio|>
  int audio_placeholder = -1;    // <|audio|>
  int video_placeholder = -1;    // <|video|>
  int tool_start = -1;           // <|tool>
  int tool_end = -1;             // <tool|>
  int tool_call_start = -1;      // <|tool_call>
  int tool_call_end = -1;        // <tool_call|>
  int tool_response_start = -1;  // <|tool_response>
  int tool_response_end = -1;    // <tool_response|>
  int string_quote = -1;         // <|"|>
  int think = -1;                // <|think|>
  int channel_start = -1;        // <|channel>
  int channel_end = -1;          // <channel|>

  // `find` returns the id of a piece, or -1 when it is not in the vocabulary.
  static SpecialTokenIds Lookup(
      const std::function<int(absl::string_view)>& find);
};

}  // namespace gemma::tokenizer

#endif  // GEMMA_TOKENIZER_SPECIAL_TOKENS_H_
