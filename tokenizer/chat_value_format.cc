#include "tokenizer/chat_value_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "tokenizer/special_tokens.h"
#include "tokenizer/utf8.h"

namespace gemma::tokenizer {
namespace {

bool IsPySpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 ||
         c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// Python repr of a str: single quotes unless the text has a single quote and
// no double quote.
std::string PyStrRepr(const std::string& s) {
  const bool has_single = s.find('\'') != std::string::npos;
  const bool has_double = s.find('"') != std::string::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c == static_cast<unsigned char>(quote)) {
          out += '\\';
          out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += quote;
  return out;
}

std::string PyRepr(const OrderedJson& v) {
  if (v.is_string()) return PyStrRepr(v.get<std::string>());
  if (v.is_array()) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out += ", ";
      out += PyRepr(v[i]);
    }
    return out + "]";
  }
  if (v.is_object()) {
    std::string out = "{";
    bool first = true;
    for (const auto& [key, value] : v.items()) {
      if (!first) out += ", ";
      first = false;
      absl::StrAppend(&out, PyStrRepr(key), ": ", PyRepr(value));
    }
    return out + "}";
  }
  return PyStr(v);
}

}  // namespace

size_t PyLeadingSpaceLength(absl::string_view s) {
  size_t begin = 0;
  while (begin < s.size()) {
    size_t next = begin;
    if (!IsPySpace(NextCodePoint(s, &next))) break;
    begin = next;
  }
  return begin;
}

size_t PyLengthWithoutTrailingSpace(absl::string_view s) {
  size_t end = 0, pos = 0;
  while (pos < s.size()) {
    const char32_t c = NextCodePoint(s, &pos);
    if (!IsPySpace(c)) end = pos;
  }
  return end;
}

std::string PyTrim(absl::string_view s) {
  const size_t begin = PyLeadingSpaceLength(s);
  s.remove_prefix(begin);
  return std::string(s.substr(0, PyLengthWithoutTrailingSpace(s)));
}

std::string PyFloatRepr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // Shortest %e form that reads back exactly.
  char buf[40];
  for (int precision = 0; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*e", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s(buf);
  std::string sign;
  if (s[0] == '-') {
    sign = "-";
    s.erase(0, 1);
  }
  const size_t e_pos = s.find('e');
  const int exponent = std::atoi(s.c_str() + e_pos + 1);
  std::string digits = s.substr(0, e_pos);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  const int decpt = exponent + 1;  // digits before the decimal point
  const int n = static_cast<int>(digits.size());
  if (decpt > 16 || decpt < -3) {
    std::string mantissa = digits.substr(0, 1);
    if (n > 1) absl::StrAppend(&mantissa, ".", digits.substr(1));
    char exp_buf[16];
    std::snprintf(exp_buf, sizeof(exp_buf), "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    return sign + mantissa + exp_buf;
  }
  if (decpt <= 0) return sign + "0." + std::string(-decpt, '0') + digits;
  if (decpt >= n) return sign + digits + std::string(decpt - n, '0') + ".0";
  return sign + digits.substr(0, decpt) + "." + digits.substr(decpt);
}

std::string PyStr(const OrderedJson& v) {
  switch (v.type()) {
    case OrderedJson::value_t::null:
    case OrderedJson::value_t::discarded:
      return "None";
    case OrderedJson::value_t::boolean:
      return v.get<bool>() ? "True" : "False";
    case OrderedJson::value_t::string:
      return v.get<std::string>();
    case OrderedJson::value_t::number_integer:
      return absl::StrCat(v.get<int64_t>());
    case OrderedJson::value_t::number_unsigned:
      return absl::StrCat(v.get<uint64_t>());
    case OrderedJson::value_t::number_float:
      return PyFloatRepr(v.get<double>());
    default:
      return PyRepr(v);
  }
}

std::string UpperAscii(absl::string_view s) { return absl::AsciiStrToUpper(s); }

bool Truthy(const OrderedJson& v) {
  switch (v.type()) {
    case OrderedJson::value_t::null:
    case OrderedJson::value_t::discarded:
      return false;
    case OrderedJson::value_t::boolean:
      return v.get<bool>();
    case OrderedJson::value_t::string:
      return !v.get_ref<const std::string&>().empty();
    case OrderedJson::value_t::number_integer:
      return v.get<int64_t>() != 0;
    case OrderedJson::value_t::number_unsigned:
      return v.get<uint64_t>() != 0;
    case OrderedJson::value_t::number_float:
      return v.get<double>() != 0.0;
    default:
      return !v.empty();
  }
}

std::vector<std::pair<std::string, const OrderedJson*>> DictSort(
    const OrderedJson& object) {
  std::vector<std::pair<std::string, const OrderedJson*>> entries;
  if (!object.is_object()) return entries;
  for (const auto& [key, value] : object.items()) {
    entries.emplace_back(key, &value);
  }
  std::stable_sort(
      entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        return absl::AsciiStrToLower(a.first) < absl::AsciiStrToLower(b.first);
      });
  return entries;
}

std::string FormatArgument(const OrderedJson& v, bool quote_keys,
                           bool null_as_none) {
  if (v.is_null()) return null_as_none ? "None" : "null";
  if (v.is_string()) {
    return absl::StrCat(kStringQuote, v.get_ref<const std::string&>(),
                        kStringQuote);
  }
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_object()) {
    std::string out = "{";
    bool first = true;
    for (const auto& [key, value] : DictSort(v)) {
      if (!first) out += ",";
      first = false;
      if (quote_keys) {
        absl::StrAppend(&out, kStringQuote, key, kStringQuote);
      } else {
        out += key;
      }
      absl::StrAppend(&out, ":",
                      FormatArgument(*value, quote_keys, null_as_none));
    }
    return out + "}";
  }
  if (v.is_array()) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out += ",";
      out += FormatArgument(v[i], quote_keys, null_as_none);
    }
    return out + "]";
  }
  return PyStr(v);
}

}  // namespace gemma::tokenizer
