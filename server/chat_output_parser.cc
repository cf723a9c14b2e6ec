#include "server/chat_output_parser.h"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "server/tool_call_syntax.h"

namespace gemma::server {
namespace {

constexpr absl::string_view kChannelOpen = "<|channel>";
constexpr absl::string_view kChannelClose = "<channel|>";
constexpr absl::string_view kThoughtHeader = "thought\n";
constexpr absl::string_view kToolCallOpen = "<|tool_call>";
constexpr absl::string_view kToolCallClose = "<tool_call|>";
constexpr absl::string_view kTurnEnd = "<turn|>";
constexpr absl::string_view kToolResponse = "<|tool_response>";
constexpr absl::string_view kEos = "<eos>";
constexpr absl::string_view kCallPrefix = "call:";

using Markers = std::initializer_list<absl::string_view>;

constexpr Markers kContentMarkers = {kChannelOpen, kChannelClose, kToolCallOpen,
                                     kTurnEnd,     kToolResponse, kEos};
constexpr Markers kThoughtMarkers = {kChannelClose, kTurnEnd, kToolResponse,
                                     kEos};
constexpr Markers kToolCallMarkers = {kToolCallClose};

bool IsEndMarker(absl::string_view m) {
  return m == kTurnEnd || m == kToolResponse || m == kEos;
}

// The earliest complete marker in `text`: its position and which one.
std::pair<size_t, absl::string_view> FindFirst(absl::string_view text,
                                               Markers markers) {
  size_t best = absl::string_view::npos;
  absl::string_view which;
  for (absl::string_view m : markers) {
    const size_t pos = text.find(m);
    if (pos < best) {
      best = pos;
      which = m;
    }
  }
  return {best, which};
}

// Length of the longest suffix of `text` that could begin a marker.
size_t PartialMarkerLength(absl::string_view text, Markers markers) {
  size_t longest = 0;
  for (absl::string_view m : markers) longest = std::max(longest, m.size());
  for (size_t k = std::min(text.size(), longest - 1); k > 0; --k) {
    const absl::string_view suffix = text.substr(text.size() - k);
    for (absl::string_view m : markers) {
      if (absl::StartsWith(m, suffix)) return k;
    }
  }
  return 0;
}

bool IsSpace(char c) {
  return absl::ascii_isspace(static_cast<unsigned char>(c));
}

}  // namespace

void ChatDelta::Append(ChatDelta other) {
  thought += other.thought;
  content += other.content;
  for (ParsedToolCall& call : other.tool_calls) {
    tool_calls.push_back(std::move(call));
  }
}

ChatOutputParser::ChatOutputParser(bool starts_in_thought)
    : state_(starts_in_thought ? State::kThought : State::kContent) {}

ChatDelta ChatOutputParser::Feed(absl::string_view text) {
  ChatDelta out;
  buffer_.append(text.data(), text.size());
  Drain(/*final=*/false, out);
  return out;
}

ChatDelta ChatOutputParser::Finish() {
  ChatDelta out;
  Drain(/*final=*/true, out);
  if (state_ == State::kToolCall) {
    // Unterminated call: give the text back rather than dropping it.
    out.content += std::string(kToolCallOpen) + tool_call_;
    tool_call_.clear();
    state_ = State::kContent;
  }
  state_ = State::kEnded;
  return out;
}

ChatDelta ChatOutputParser::ParseAll(absl::string_view text,
                                     bool starts_in_thought) {
  ChatOutputParser parser(starts_in_thought);
  ChatDelta out = parser.Feed(text);
  out.Append(parser.Finish());
  return out;
}

void ChatOutputParser::EmitThought(absl::string_view text, ChatDelta& out) {
  if (!thought_started_) {
    while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
    if (text.empty()) return;
    thought_started_ = true;
  }
  size_t end = text.size();
  while (end > 0 && IsSpace(text[end - 1])) --end;
  if (end == 0) {
    thought_space_.append(text.data(), text.size());
    return;
  }
  out.thought += thought_space_;
  out.thought.append(text.data(), end);
  thought_space_.assign(text.data() + end, text.size() - end);
}

void ChatOutputParser::CloseToolCall(ChatDelta& out) {
  absl::string_view body = tool_call_;
  bool parsed = false;
  if (absl::ConsumePrefix(&body, kCallPrefix)) {
    size_t name_end = 0;
    while (name_end < body.size() &&
           (absl::ascii_isalnum(static_cast<unsigned char>(body[name_end])) ||
            body[name_end] == '_')) {
      ++name_end;
    }
    const absl::string_view name = body.substr(0, name_end);
    const absl::string_view args =
        absl::StripAsciiWhitespace(body.substr(name_end));
    if (!name.empty()) {
      if (args.empty()) {
        out.tool_calls.push_back({std::string(name), "{}"});
        parsed = true;
      } else if (auto json = GemmaValueToJson(args); json.ok()) {
        out.tool_calls.push_back({std::string(name), *std::move(json)});
        parsed = true;
      }
    }
  }
  if (!parsed) {
    out.content +=
        std::string(kToolCallOpen) + tool_call_ + std::string(kToolCallClose);
  }
  tool_call_.clear();
}

void ChatOutputParser::Drain(bool final, ChatDelta& out) {
  while (true) {
    absl::string_view buf = buffer_;
    switch (state_) {
      case State::kEnded:
        buffer_.clear();
        return;

      case State::kContent: {
        auto [pos, marker] = FindFirst(buf, kContentMarkers);
        if (pos == absl::string_view::npos) {
          const size_t hold =
              final ? 0 : PartialMarkerLength(buf, kContentMarkers);
          out.content.append(buf.data(), buf.size() - hold);
          buffer_.erase(0, buf.size() - hold);
          return;
        }
        out.content.append(buf.data(), pos);
        buffer_.erase(0, pos + marker.size());
        if (marker == kChannelOpen) {
          state_ = State::kThoughtHeader;
        } else if (marker == kToolCallOpen) {
          state_ = State::kToolCall;
        } else if (IsEndMarker(marker)) {
          state_ = State::kEnded;
        }  // A stray <channel|> is dropped.
        break;
      }

      case State::kThoughtHeader:
        if (absl::StartsWith(buf, kThoughtHeader)) {
          buffer_.erase(0, kThoughtHeader.size());
        } else if (!final && absl::StartsWith(kThoughtHeader, buf)) {
          return;  // Could still become the header.
        }
        state_ = State::kThought;
        break;

      case State::kThought: {
        auto [pos, marker] = FindFirst(buf, kThoughtMarkers);
        if (pos == absl::string_view::npos) {
          const size_t hold =
              final ? 0 : PartialMarkerLength(buf, kThoughtMarkers);
          EmitThought(buf.substr(0, buf.size() - hold), out);
          buffer_.erase(0, buf.size() - hold);
          return;
        }
        EmitThought(buf.substr(0, pos), out);
        buffer_.erase(0, pos + marker.size());
        thought_space_.clear();  // Trailing space of the thought is trimmed.
        state_ = marker == kChannelClose ? State::kContent : State::kEnded;
        break;
      }

      case State::kToolCall: {
        auto [pos, marker] = FindFirst(buf, kToolCallMarkers);
        if (pos == absl::string_view::npos) {
          const size_t hold =
              final ? 0 : PartialMarkerLength(buf, kToolCallMarkers);
          tool_call_.append(buf.data(), buf.size() - hold);
          buffer_.erase(0, buf.size() - hold);
          return;
        }
        tool_call_.append(buf.data(), pos);
        buffer_.erase(0, pos + marker.size());
        CloseToolCall(out);
        state_ = State::kContent;
        break;
      }
    }
  }
}

}  // namespace gemma::server
