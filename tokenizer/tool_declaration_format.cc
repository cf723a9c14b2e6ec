#include "tokenizer/tool_declaration_format.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "tokenizer/chat_value_format.h"
#include "tokenizer/special_tokens.h"

namespace gemma::tokenizer {
namespace {

// Jinja's value['key'] on anything: undefined (nullptr here) unless `v` is a
// mapping with that key.
const OrderedJson* Get(const OrderedJson& v, const char* key) {
  if (!v.is_object()) return nullptr;
  auto it = v.find(key);
  return it == v.end() ? nullptr : &*it;
}

bool TruthyField(const OrderedJson& v, const char* key) {
  const OrderedJson* f = Get(v, key);
  return f != nullptr && Truthy(*f);
}

// `value['type'] | upper`: undefined prints as "", anything else as str().
std::string UpperType(const OrderedJson& v) {
  const OrderedJson* t = Get(v, "type");
  return t == nullptr ? "" : UpperAscii(PyStr(*t));
}

std::string Quoted(const std::string& s) {
  return absl::StrCat(kStringQuote, s, kStringQuote);
}

// `for item in list` + <|"|>item<|"|> joined by ",". Iterating a string
// yields its characters, as in Jinja.
std::string QuotedList(const OrderedJson& list) {
  std::string out;
  if (list.is_array()) {
    for (size_t i = 0; i < list.size(); ++i) {
      if (i > 0) out += ",";
      out += Quoted(PyStr(list[i]));
    }
  } else if (list.is_string()) {
    const std::string& s = list.get_ref<const std::string&>();
    for (size_t i = 0; i < s.size(); ++i) {
      if (i > 0) out += ",";
      out += Quoted(s.substr(i, 1));
    }
  }
  return out;
}

// Writes "," before every field but the first.
class FieldSeparator {
 public:
  explicit FieldSeparator(std::string* out) : out_(out) {}
  void Next() {
    if (used_) *out_ += ",";
    used_ = true;
  }
  bool used() const { return used_; }

 private:
  std::string* out_;
  bool used_ = false;
};

std::string FormatParameters(const OrderedJson& properties, bool filter_keys,
                             const DeclarationStyle& style);

std::string FormatItems(const OrderedJson& items,
                        const DeclarationStyle& style) {
  std::string out = "items:{";
  bool first = true;
  for (const auto& [key, value] : DictSort(items)) {
    if (value->is_null()) continue;
    if (!first) out += ",";
    first = false;
    if (key == "properties") {
      absl::StrAppend(
          &out, "properties:{",
          value->is_object() ? FormatParameters(*value, false, style) : "",
          "}");
    } else if (key == "required") {
      absl::StrAppend(&out, "required:[", QuotedList(*value), "]");
    } else if (key == "type") {
      if (value->is_string()) {
        absl::StrAppend(&out, "type:",
                        FormatArgument(UpperAscii(value->get<std::string>()),
                                       true, style.null_as_none));
      } else {
        OrderedJson upper = OrderedJson::array();
        if (value->is_array()) {
          for (const OrderedJson& t : *value)
            upper.push_back(UpperAscii(PyStr(t)));
        }
        absl::StrAppend(
            &out, "type:", FormatArgument(upper, true, style.null_as_none));
      }
    } else {
      absl::StrAppend(&out, key, ":",
                      FormatArgument(*value, true, style.null_as_none));
    }
  }
  return out + "}";
}

std::string FormatParameters(const OrderedJson& properties, bool filter_keys,
                             const DeclarationStyle& style) {
  filter_keys |= style.drop_reserved_property_names;
  static constexpr std::array<const char*, 5> kStandardKeys = {
      "description", "type", "properties", "required", "nullable"};
  std::string out;
  bool first_property = true;
  for (const auto& [key, value_ptr] : DictSort(properties)) {
    const OrderedJson& value = *value_ptr;
    if (filter_keys) {
      bool standard = false;
      for (const char* k : kStandardKeys) standard |= (key == k);
      if (standard) continue;
    }
    if (!first_property) out += ",";
    first_property = false;
    absl::StrAppend(&out, key, ":{");
    FieldSeparator field(&out);
    if (TruthyField(value, "description")) {
      field.Next();
      absl::StrAppend(
          &out, "description:", Quoted(PyStr(*Get(value, "description"))));
    }
    const std::string type = UpperType(value);
    if (type == "STRING") {
      if (TruthyField(value, "enum")) {
        field.Next();
        absl::StrAppend(
            &out, "enum:",
            FormatArgument(*Get(value, "enum"), true, style.null_as_none));
      }
    } else if (type == "ARRAY") {
      const OrderedJson* items = Get(value, "items");
      if (items != nullptr && items->is_object() && !items->empty()) {
        field.Next();
        out += FormatItems(*items, style);
      }
    }
    if (TruthyField(value, "nullable")) {
      field.Next();
      out += "nullable:true";
    }
    if (type == "OBJECT") {
      const OrderedJson* nested = Get(value, "properties");
      if (nested != nullptr && nested->is_object()) {
        field.Next();
        absl::StrAppend(&out, "properties:{",
                        FormatParameters(*nested, false, style), "}");
      } else if (value.is_object()) {
        field.Next();
        absl::StrAppend(&out, "properties:{",
                        FormatParameters(value, true, style), "}");
      }
      if (TruthyField(value, "required")) {
        field.Next();
        absl::StrAppend(&out, "required:[", QuotedList(*Get(value, "required")),
                        "]");
      }
    }
    field.Next();
    absl::StrAppend(&out, "type:", Quoted(type), "}");
  }
  return out;
}

}  // namespace

std::string FormatToolDeclaration(const ToolDeclaration& tool,
                                  const DeclarationStyle& style) {
  std::string out = absl::StrCat("declaration:", tool.name,
                                 "{description:", Quoted(tool.description));
  const OrderedJson& params = tool.parameters;
  if (Truthy(params)) {
    out += ",parameters:{";
    if (TruthyField(params, "properties")) {
      absl::StrAppend(
          &out, "properties:{",
          FormatParameters(*Get(params, "properties"), false, style), "},");
    }
    if (TruthyField(params, "required")) {
      absl::StrAppend(&out, "required:[", QuotedList(*Get(params, "required")),
                      "],");
    }
    if (TruthyField(params, "type")) {
      absl::StrAppend(&out, "type:", Quoted(UpperType(params)), "}");
    }
  }
  if (tool.response.has_value()) {
    const OrderedJson& response = *tool.response;
    out += ",response:{";
    if (TruthyField(response, "description")) {
      absl::StrAppend(&out, "description:",
                      Quoted(PyStr(*Get(response, "description"))), ",");
    }
    if (UpperType(response) == "OBJECT") {
      absl::StrAppend(&out, "type:", Quoted("OBJECT"), "}");
    }
  }
  out += "}";
  return PyTrim(out);
}

}  // namespace gemma::tokenizer
