#include "server/tool_call_syntax.h"

#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "nlohmann/json.hpp"

namespace gemma::server {
namespace {

// ordered_json keeps the keys in the order the model wrote them.
using json = nlohmann::ordered_json;

// A recursive-descent reader over the value syntax.
class ValueReader {
 public:
  explicit ValueReader(absl::string_view text) : text_(text) {}

  absl::StatusOr<json> ReadDocument() {
    GEMMA_ASSIGN_OR_RETURN(json value, ReadValue(0));
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected text after the value");
    return value;
  }

 private:
  static constexpr int kMaxDepth = 64;

  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("tool call arguments: ", what, " at byte ", pos_));
  }

  void SkipSpace() {
    while (pos_ < text_.size() &&
           absl::ascii_isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
  }

  bool Consume(absl::string_view token) {
    if (text_.substr(pos_, token.size()) == token) {
      pos_ += token.size();
      return true;
    }
    return false;
  }

  absl::StatusOr<std::string> ReadQuoted() {
    const size_t end = text_.find(kToolStringQuote, pos_);
    if (end == absl::string_view::npos) return Error("unterminated string");
    std::string s(text_.substr(pos_, end - pos_));
    pos_ = end + std::strlen(kToolStringQuote);
    return s;
  }

  // Keys are bare words (anything up to ':') or quoted.
  absl::StatusOr<std::string> ReadKey() {
    SkipSpace();
    if (Consume(kToolStringQuote)) return ReadQuoted();
    const size_t end = text_.find(':', pos_);
    if (end == absl::string_view::npos || end == pos_) {
      return Error("expected a key followed by ':'");
    }
    std::string key(absl::StripAsciiWhitespace(text_.substr(pos_, end - pos_)));
    pos_ = end;
    return key;
  }

  absl::StatusOr<json> ReadValue(int depth) {
    if (depth > kMaxDepth) return Error("nesting too deep");
    SkipSpace();
    if (pos_ >= text_.size()) return Error("expected a value");
    if (Consume(kToolStringQuote)) {
      GEMMA_ASSIGN_OR_RETURN(std::string s, ReadQuoted());
      return json(std::move(s));
    }
    if (Consume("{")) {
      json object = json::object();
      SkipSpace();
      if (Consume("}")) return object;
      while (true) {
        GEMMA_ASSIGN_OR_RETURN(std::string key, ReadKey());
        if (!Consume(":")) return Error("expected ':'");
        GEMMA_ASSIGN_OR_RETURN(json value, ReadValue(depth + 1));
        object[key] = std::move(value);
        SkipSpace();
        if (Consume("}")) return object;
        if (!Consume(",")) return Error("expected ',' or '}'");
      }
    }
    if (Consume("[")) {
      json array = json::array();
      SkipSpace();
      if (Consume("]")) return array;
      while (true) {
        GEMMA_ASSIGN_OR_RETURN(json value, ReadValue(depth + 1));
        array.push_back(std::move(value));
        SkipSpace();
        if (Consume("]")) return array;
        if (!Consume(",")) return Error("expected ',' or ']'");
      }
    }
    // A bare scalar runs to the next delimiter.
    const size_t start = pos_;
    while (pos_ < text_.size() && std::strchr(",}]", text_[pos_]) == nullptr) {
      ++pos_;
    }
    const absl::string_view word =
        absl::StripAsciiWhitespace(text_.substr(start, pos_ - start));
    if (word.empty()) return Error("expected a value");
    if (word == "true") return json(true);
    if (word == "false") return json(false);
    if (word == "null" || word == "None") return json(nullptr);
    json number = json::parse(word.begin(), word.end(), nullptr,
                              /*allow_exceptions=*/false);
    if (!number.is_discarded() && number.is_number()) return number;
    // Not a JSON number: Python spellings, or a bare word the model wrote
    // without quotes. Keep it as a string rather than losing it.
    return json(std::string(word));
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<std::string> GemmaValueToJson(absl::string_view text) {
  ValueReader reader(text);
  GEMMA_ASSIGN_OR_RETURN(json value, reader.ReadDocument());
  // Invalid UTF-8 inside a string becomes U+FFFD instead of throwing.
  return value.dump(-1, ' ', /*ensure_ascii=*/false,
                    json::error_handler_t::replace);
}

}  // namespace gemma::server
