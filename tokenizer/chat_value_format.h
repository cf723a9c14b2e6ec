// The value-level helpers of the chat template: how the template's Jinja
// expressions print JSON values (spec §6.5.7 `format_argument`, Python `str`
// of numbers and lists), Jinja truthiness, `dictsort` key order and Python's
// `str.strip()` (spec §6.5.2).
//
// Thread-safety: pure functions.
#ifndef GEMMA_TOKENIZER_CHAT_VALUE_FORMAT_H_
#define GEMMA_TOKENIZER_CHAT_VALUE_FORMAT_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "tokenizer/chat_types.h"

namespace gemma::tokenizer {

// Python str.strip(): removes every code point for which str.isspace() holds
// from both ends.
std::string PyTrim(absl::string_view s);

// Byte length of the leading run of Python whitespace of `s`.
size_t PyLeadingSpaceLength(absl::string_view s);
// Byte length of `s` without its trailing run of Python whitespace.
size_t PyLengthWithoutTrailingSpace(absl::string_view s);

// Python repr of a float (shortest round-trip digits): 1.5, 21.0, 1e-05,
// 1e+16, 1000000000000000.0.
std::string PyFloatRepr(double v);

// What Jinja's {{ value }} prints: strings verbatim, null as None, booleans as
// True/False, numbers as Python str(), lists and mappings as Python repr.
std::string PyStr(const OrderedJson& v);

// ASCII upper-casing (the type names the template upper-cases are ASCII).
std::string UpperAscii(absl::string_view s);

// Jinja truthiness: null, false, 0, "", [] and {} are false.
bool Truthy(const OrderedJson& v);

// Jinja `dictsort`: the entries of an object ordered by lower-cased key;
// stable, so keys equal up to case keep their input order.
std::vector<std::pair<std::string, const OrderedJson*>> DictSort(
    const OrderedJson& object);

// The template's format_argument macro (spec §6.5.7). Mapping keys are wrapped
// in <|"|> when `quote_keys` (declarations) and bare otherwise (tool-call
// arguments and tool responses). Template revisions before 2026-07-15 print
// null as Python's `None` (`null_as_none`).
std::string FormatArgument(const OrderedJson& v, bool quote_keys,
                           bool null_as_none = false);

}  // namespace gemma::tokenizer

#endif  // GEMMA_TOKENIZER_CHAT_VALUE_FORMAT_H_
