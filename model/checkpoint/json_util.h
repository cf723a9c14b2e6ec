// Small helpers for reading checkpoint JSON files with nlohmann::json
// without letting its exceptions escape: parsing with a Status, and typed
// field access with defaults and null handling.
// Thread-safety: pure functions.
#ifndef GEMMA_MODEL_CHECKPOINT_JSON_UTIL_H_
#define GEMMA_MODEL_CHECKPOINT_JSON_UTIL_H_

#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/status_macros.h"
#include "nlohmann/json.hpp"

namespace gemma::model::json_util {

using Json = nlohmann::json;

// Parses `text`; errors name `source`.
absl::StatusOr<Json> Parse(absl::string_view text, const std::string& source);
// Reads and parses the file at `path`.
absl::StatusOr<Json> ParseFile(const std::string& path);

// Typed access to obj[key]. Absent or null -> std::nullopt. A value of the
// wrong type is an error naming `source` and the key.
class Reader {
 public:
  Reader(const Json& obj, std::string source)
      : obj_(obj), source_(std::move(source)) {}

  bool Has(const char* key) const;
  bool IsNull(const char* key) const;  // Present and null.
  absl::StatusOr<std::optional<int>> Int(const char* key) const;
  absl::StatusOr<std::optional<double>> Number(const char* key) const;
  absl::StatusOr<std::optional<bool>> Bool(const char* key) const;
  absl::StatusOr<std::optional<std::string>> String(const char* key) const;
  // obj[key] if it is an object, else nullptr (error if neither object nor
  // absent/null).
  absl::StatusOr<const Json*> Object(const char* key) const;
  const std::string& source() const { return source_; }
  const Json& json() const { return obj_; }

  absl::Status TypeError(const char* key, const char* want) const;

 private:
  const Json& obj_;
  std::string source_;
};

}  // namespace gemma::model::json_util

// Shorthands for config parsers (inside a function returning a Status or
// StatusOr): assign reader field `key` (or `def` when absent/null) to `dst`.
#define GEMMA_JSON_INT(r, key, dst, def)           \
  do {                                             \
    GEMMA_ASSIGN_OR_RETURN(auto v_, (r).Int(key)); \
    (dst) = v_.has_value() ? *v_ : (def);          \
  } while (false)
#define GEMMA_JSON_FLOAT(r, key, dst, def)                    \
  do {                                                        \
    GEMMA_ASSIGN_OR_RETURN(auto v_, (r).Number(key));         \
    (dst) = v_.has_value() ? static_cast<float>(*v_) : (def); \
  } while (false)
#define GEMMA_JSON_BOOL(r, key, dst, def)           \
  do {                                              \
    GEMMA_ASSIGN_OR_RETURN(auto v_, (r).Bool(key)); \
    (dst) = v_.has_value() ? *v_ : (def);           \
  } while (false)

#endif  // GEMMA_MODEL_CHECKPOINT_JSON_UTIL_H_
