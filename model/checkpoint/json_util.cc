#include "model/checkpoint/json_util.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "base/mapped_file.h"
#include "base/status_macros.h"

namespace gemma::model::json_util {

absl::StatusOr<Json> Parse(absl::string_view text, const std::string& source) {
  Json j = Json::parse(text.begin(), text.end(), /*cb=*/nullptr,
                       /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not valid JSON"));
  }
  return j;
}

absl::StatusOr<Json> ParseFile(const std::string& path) {
  GEMMA_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  return Parse(text, path);
}

bool Reader::Has(const char* key) const {
  return obj_.is_object() && obj_.contains(key);
}

bool Reader::IsNull(const char* key) const {
  return Has(key) && obj_.at(key).is_null();
}

absl::Status Reader::TypeError(const char* key, const char* want) const {
  return absl::InvalidArgumentError(
      absl::StrCat(source_, ": field \"", key, "\" must be ", want, ", got ",
                   obj_.at(key).dump().substr(0, 80)));
}

absl::StatusOr<std::optional<int>> Reader::Int(const char* key) const {
  if (!Has(key) || obj_.at(key).is_null()) return std::optional<int>();
  const Json& v = obj_.at(key);
  if (v.is_number_integer()) {
    const int64_t x = v.get<int64_t>();
    if (x < INT32_MIN || x > INT32_MAX) return TypeError(key, "a 32-bit int");
    return std::optional<int>(static_cast<int>(x));
  }
  if (v.is_number_float()) {
    const double x = v.get<double>();
    if (std::floor(x) == x && std::fabs(x) < 2e9) {
      return std::optional<int>(static_cast<int>(x));
    }
  }
  return TypeError(key, "an integer");
}

absl::StatusOr<std::optional<double>> Reader::Number(const char* key) const {
  if (!Has(key) || obj_.at(key).is_null()) return std::optional<double>();
  const Json& v = obj_.at(key);
  if (!v.is_number()) return TypeError(key, "a number");
  return std::optional<double>(v.get<double>());
}

absl::StatusOr<std::optional<bool>> Reader::Bool(const char* key) const {
  if (!Has(key) || obj_.at(key).is_null()) return std::optional<bool>();
  const Json& v = obj_.at(key);
  if (!v.is_boolean()) return TypeError(key, "true or false");
  return std::optional<bool>(v.get<bool>());
}

absl::StatusOr<std::optional<std::string>> Reader::String(
    const char* key) const {
  if (!Has(key) || obj_.at(key).is_null()) return std::optional<std::string>();
  const Json& v = obj_.at(key);
  if (!v.is_string()) return TypeError(key, "a string");
  return std::optional<std::string>(v.get<std::string>());
}

absl::StatusOr<const Json*> Reader::Object(const char* key) const {
  if (!Has(key) || obj_.at(key).is_null()) return nullptr;
  const Json& v = obj_.at(key);
  if (!v.is_object()) return TypeError(key, "an object");
  return &v;
}

}  // namespace gemma::model::json_util
