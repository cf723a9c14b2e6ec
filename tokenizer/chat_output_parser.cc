#include "tokenizer/chat_output_parser.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "base/logging.h"
#include "tokenizer/chat_value_format.h"
#include "tokenizer/special_tokens.h"

namespace gemma::tokenizer {
namespace {

constexpr absl::string_view kThoughtHeader = "thought\n";

// Markers the parser reacts to in the content and thinking states.
constexpr absl::string_view kMarkers[] = {
    kChannelStart, kChannelEnd,        kToolCallStart,
    kTurnEnd,      kToolResponseStart, kEosToken,
};

bool IsEndMarker(absl::string_view m) {
  return m == kTurnEnd || m == kToolResponseStart || m == kEosToken;
}

// Finds the earliest marker in `text`; returns npos if none.
size_t FindMarker(absl::string_view text, absl::string_view* marker) {
  size_t best = absl::string_view::npos;
  for (absl::string_view m : kMarkers) {
    const size_t pos = text.find(m);
    if (pos < best) {
      best = pos;
      *marker = m;
    }
  }
  return best;
}

// Length of the longest suffix of `text` that is a proper prefix of a marker
// (text that may still turn into a marker).
size_t PartialMarkerSuffix(absl::string_view text,
                           absl::string_view extra_marker = {}) {
  const size_t lt = text.rfind('<');
  if (lt == absl::string_view::npos) return 0;
  const absl::string_view tail = text.substr(lt);
  auto is_prefix = [&](absl::string_view m) {
    return tail.size() < m.size() && absl::StartsWith(m, tail);
  };
  for (absl::string_view m : kMarkers) {
    if (is_prefix(m)) return tail.size();
  }
  if (!extra_marker.empty() && is_prefix(extra_marker)) return tail.size();
  return 0;
}

}  // namespace

ChatOutputParser::ChatOutputParser(bool start_in_thinking)
    : state_(start_in_thinking ? State::kThinking : State::kContent) {}

void ChatOutputParser::EmitContent(absl::string_view text,
                                   ChatOutputDelta* delta) {
  if (text.empty()) return;
  delta->content.append(text.data(), text.size());
  result_.content.append(text.data(), text.size());
}

void ChatOutputParser::EmitReasoning(absl::string_view text,
                                     bool channel_closed,
                                     ChatOutputDelta* delta) {
  if (!reasoning_started_) {
    text.remove_prefix(PyLeadingSpaceLength(text));
    if (text.empty()) return;
    reasoning_started_ = true;
    if (!result_.reasoning.empty()) {
      // A second thought block: keep the blocks apart.
      delta->reasoning += "\n";
      result_.reasoning += "\n";
    }
  }
  std::string combined = reasoning_held_space_;
  combined.append(text.data(), text.size());
  const size_t keep = PyLengthWithoutTrailingSpace(combined);
  delta->reasoning.append(combined, 0, keep);
  result_.reasoning.append(combined, 0, keep);
  reasoning_held_space_ = channel_closed ? "" : combined.substr(keep);
  if (channel_closed) {
    reasoning_started_ = false;
  }
}

void ChatOutputParser::FinishToolCall(absl::string_view raw,
                                      ChatOutputDelta* delta) {
  absl::StatusOr<ParsedToolCall> call = ParseToolCallText(raw);
  if (!call.ok()) {
    LOG(WARNING) << "unparsable tool call kept as text: "
                 << call.status().message();
    std::string verbatim(kToolCallStart);
    verbatim.append(raw.data(), raw.size());
    verbatim.append(kToolCallEnd.data(), kToolCallEnd.size());
    EmitContent(verbatim, delta);
    return;
  }
  delta->tool_calls.push_back(*call);
  result_.tool_calls.push_back(*std::move(call));
}

void ChatOutputParser::Process(bool final, ChatOutputDelta* delta) {
  while (state_ != State::kDone) {
    if (state_ == State::kChannelHeader) {
      if (absl::StartsWith(pending_, kThoughtHeader)) {
        pending_.erase(0, kThoughtHeader.size());
        state_ = State::kThinking;
        continue;
      }
      if (!final && absl::StartsWith(kThoughtHeader, pending_)) return;
      state_ = State::kThinking;  // a channel without the usual header
      continue;
    }
    if (state_ == State::kToolCall) {
      const size_t end = absl::string_view(pending_).find(kToolCallEnd);
      if (end == std::string::npos) {
        if (final) {
          std::string verbatim(kToolCallStart);
          verbatim += pending_;
          EmitContent(verbatim, delta);
          pending_.clear();
        }
        return;
      }
      FinishToolCall(absl::string_view(pending_).substr(0, end), delta);
      pending_.erase(0, end + kToolCallEnd.size());
      state_ = State::kContent;
      continue;
    }
    // kContent or kThinking.
    const bool thinking = state_ == State::kThinking;
    absl::string_view marker;
    const size_t pos = FindMarker(pending_, &marker);
    if (pos == absl::string_view::npos) {
      const size_t hold = final ? 0 : PartialMarkerSuffix(pending_);
      const absl::string_view ready =
          absl::string_view(pending_).substr(0, pending_.size() - hold);
      if (thinking) {
        EmitReasoning(ready, /*channel_closed=*/final, delta);
      } else {
        EmitContent(ready, delta);
      }
      pending_.erase(0, pending_.size() - hold);
      return;
    }
    const absl::string_view before = absl::string_view(pending_).substr(0, pos);
    if (thinking) {
      EmitReasoning(before, /*channel_closed=*/marker != kChannelStart, delta);
    } else {
      EmitContent(before, delta);
    }
    pending_.erase(0, pos + marker.size());
    if (IsEndMarker(marker)) {
      result_.end_marker = std::string(marker);
      state_ = State::kDone;
      delta->finished = true;
      pending_.clear();
      return;
    }
    if (marker == kChannelStart) {
      state_ = State::kChannelHeader;
    } else if (marker == kChannelEnd) {
      state_ = State::kContent;  // a stray <channel|> in content is dropped
    } else if (marker == kToolCallStart) {
      state_ = State::kToolCall;
    }
  }
}

ChatOutputDelta ChatOutputParser::Push(absl::string_view text) {
  ChatOutputDelta delta;
  if (state_ == State::kDone) return delta;
  pending_.append(text.data(), text.size());
  Process(/*final=*/false, &delta);
  return delta;
}

ChatOutputDelta ChatOutputParser::Finish() {
  ChatOutputDelta delta;
  if (state_ != State::kDone) Process(/*final=*/true, &delta);
  return delta;
}

ParsedChatOutput ParseChatOutput(absl::string_view text,
                                 bool start_in_thinking) {
  ChatOutputParser parser(start_in_thinking);
  parser.Push(text);
  parser.Finish();
  return parser.result();
}

}  // namespace gemma::tokenizer
