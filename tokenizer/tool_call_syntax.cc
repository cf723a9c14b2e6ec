#include "tokenizer/tool_call_syntax.h"

#include <cerrno>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "tokenizer/special_tokens.h"

namespace gemma::tokenizer {
namespace {

constexpr int kMaxDepth = 64;

class ValueParser {
 public:
  explicit ValueParser(absl::string_view text) : text_(text) {}

  absl::StatusOr<OrderedJson> ParseValue(int depth) {
    if (depth > kMaxDepth) return Error("nesting too deep");
    SkipSpace();
    if (AtEnd()) return Error("expected a value");
    if (absl::StartsWith(Rest(), kStringQuote)) {
      GEMMA_ASSIGN_OR_RETURN(std::string s, ParseQuoted());
      return OrderedJson(std::move(s));
    }
    const char c = text_[pos_];
    if (c == '{') return ParseMapping(depth);
    if (c == '[') return ParseList(depth);
    return ParseScalar();
  }

  void SkipSpace() {
    while (!AtEnd() &&
           absl::ascii_isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  absl::string_view Rest() const { return text_.substr(pos_); }
  size_t pos() const { return pos_; }

  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("tool call syntax: ", what, " at offset ", pos_));
  }

  absl::StatusOr<OrderedJson> ParseMapping(int depth) {
    ++pos_;  // '{'
    OrderedJson object = OrderedJson::object();
    SkipSpace();
    if (!AtEnd() && text_[pos_] == '}') {
      ++pos_;
      return object;
    }
    while (true) {
      SkipSpace();
      std::string key;
      if (absl::StartsWith(Rest(), kStringQuote)) {
        GEMMA_ASSIGN_OR_RETURN(key, ParseQuoted());
      } else {
        const size_t start = pos_;
        while (!AtEnd() && text_[pos_] != ':' && text_[pos_] != ',' &&
               text_[pos_] != '}') {
          ++pos_;
        }
        key = std::string(
            absl::StripAsciiWhitespace(text_.substr(start, pos_ - start)));
        if (key.empty()) return Error("expected a key");
      }
      SkipSpace();
      if (AtEnd() || text_[pos_] != ':')
        return Error("expected ':' after a key");
      ++pos_;
      GEMMA_ASSIGN_OR_RETURN(OrderedJson value, ParseValue(depth + 1));
      object[key] = std::move(value);
      SkipSpace();
      if (AtEnd()) return Error("unterminated mapping");
      if (text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (text_[pos_] == '}') {
        ++pos_;
        return object;
      }
      return Error("expected ',' or '}'");
    }
  }

  absl::StatusOr<OrderedJson> ParseList(int depth) {
    ++pos_;  // '['
    OrderedJson list = OrderedJson::array();
    SkipSpace();
    if (!AtEnd() && text_[pos_] == ']') {
      ++pos_;
      return list;
    }
    while (true) {
      GEMMA_ASSIGN_OR_RETURN(OrderedJson value, ParseValue(depth + 1));
      list.push_back(std::move(value));
      SkipSpace();
      if (AtEnd()) return Error("unterminated list");
      if (text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (text_[pos_] == ']') {
        ++pos_;
        return list;
      }
      return Error("expected ',' or ']'");
    }
  }

  absl::StatusOr<std::string> ParseQuoted() {
    pos_ += kStringQuote.size();
    const size_t end = text_.find(kStringQuote, pos_);
    if (end == absl::string_view::npos)
      return Error("unterminated <|\"|> string");
    std::string s(text_.substr(pos_, end - pos_));
    pos_ = end + kStringQuote.size();
    return s;
  }

  absl::StatusOr<OrderedJson> ParseScalar() {
    const size_t start = pos_;
    while (!AtEnd() && text_[pos_] != ',' && text_[pos_] != '}' &&
           text_[pos_] != ']') {
      ++pos_;
    }
    const std::string word(
        absl::StripAsciiWhitespace(text_.substr(start, pos_ - start)));
    if (word == "true" || word == "True") return OrderedJson(true);
    if (word == "false" || word == "False") return OrderedJson(false);
    if (word == "null" || word == "None") return OrderedJson(nullptr);
    if (word.empty()) return Error("expected a value");
    const bool is_integer =
        word.find_first_of(".eEnN") == std::string::npos;  // no float syntax
    char* end = nullptr;
    errno = 0;
    if (is_integer) {
      const long long v = std::strtoll(word.c_str(), &end, 10);
      if (end == word.c_str() + word.size() && errno == 0)
        return OrderedJson(v);
    }
    errno = 0;
    const double d = std::strtod(word.c_str(), &end);
    if (end == word.c_str() + word.size() && errno == 0 && word != "nan" &&
        word != "inf" && word != "-inf") {
      return OrderedJson(d);
    }
    // Not a number: keep the bare text as a string rather than fail.
    return OrderedJson(word);
  }

 private:
  absl::string_view text_;
  size_t pos_ = 0;
};

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '-' || c == '.';
}

}  // namespace

absl::StatusOr<OrderedJson> ParseGemmaValue(absl::string_view text) {
  ValueParser parser(text);
  GEMMA_ASSIGN_OR_RETURN(OrderedJson value, parser.ParseValue(0));
  parser.SkipSpace();
  if (!parser.AtEnd()) return parser.Error("unexpected text after the value");
  return value;
}

absl::StatusOr<ParsedToolCall> ParseToolCallText(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (!absl::ConsumePrefix(&text, "call:")) {
    return absl::InvalidArgumentError(
        "tool call syntax: expected \"call:NAME{...}\"");
  }
  size_t n = 0;
  while (n < text.size() && IsNameChar(text[n])) ++n;
  if (n == 0) {
    return absl::InvalidArgumentError(
        "tool call syntax: missing function name");
  }
  ParsedToolCall call;
  call.name = std::string(text.substr(0, n));
  text.remove_prefix(n);
  if (text.empty() || text[0] != '{') {
    return absl::InvalidArgumentError(absl::StrCat(
        "tool call syntax: expected '{' after the name ", call.name));
  }
  GEMMA_ASSIGN_OR_RETURN(call.arguments, ParseGemmaValue(text));
  return call;
}

}  // namespace gemma::tokenizer
