#include "tokenizer/special_tokens.h"

namespace gemma::tokenizer {

SpecialTokenIds SpecialTokenIds::Lookup(
    const std::function<int(absl::string_view)>& find) {
  SpecialTokenIds ids;
  ids.pad = find(kPadToken);
  ids.eos = find(kEosToken);
  ids.bos = find(kBosToken);
  ids.unk = find(kUnkToken);
  ids.mask = find(kMaskToken);
  ids.turn_start = find(kTurnStart);
  ids.turn_end = find(kTurnEnd);
  ids.image_start = find(kImageStart);
  ids.image_end = find(kImageEnd);
  ids.image_placeholder = find(kImagePlaceholder);
  ids.audio_start = find(kAudioStart);
  ids.audio_end = find(kAudioEnd);
  ids.audio_placeholder = find(kAudioPlaceholder);
  ids.video_placeholder = find(kVideoPlaceholder);
  ids.tool_start = find(kToolStart);
  ids.tool_end = find(kToolEnd);
  ids.tool_call_start = find(kToolCallStart);
  ids.tool_call_end = find(kToolCallEnd);
  ids.tool_response_start = find(kToolResponseStart);
  ids.tool_response_end = find(kToolResponseEnd);
  ids.string_quote = find(kStringQuote);
  ids.think = find(kThink);
  ids.channel_start = find(kChannelStart);
  ids.channel_end = find(kChannelEnd);
  return ids;
}

}  // namespace gemma::tokenizer
