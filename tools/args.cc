#include "tools/args.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace gemma::tools {

absl::StatusOr<Args> Args::Parse(int argc, char** argv, int first,
                                 const std::vector<FlagSpec>& flags,
                                 const std::set<std::string>& repeatable) {
  Args args;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (!absl::StartsWith(arg, "--")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unexpected argument '", arg, "'; flags are written --name value"));
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& f : flags) {
      if (f.name == name) spec = &f;
    }
    if (spec == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", name, "\n", FlagHelp(flags)));
    }
    if (spec->boolean) {
      if (value.has_value() && *value != "true" && *value != "false") {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " takes no value (or =true/=false)"));
      }
      if (value.has_value() && *value == "false") continue;
      value = "true";
    } else if (!value.has_value()) {
      if (i + 1 >= argc) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " needs a value"));
      }
      value = argv[++i];
    }
    auto& slot = args.values_[name];
    if (!slot.empty() && !spec->boolean && !repeatable.count(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " is given more than once"));
    }
    slot.push_back(*value);
  }
  return args;
}

bool Args::Has(const std::string& name) const {
  return values_.count(name) > 0;
}

std::string Args::Get(const std::string& name,
                      const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second.back();
}

std::vector<std::string> Args::GetAll(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>() : it->second;
}

absl::StatusOr<std::optional<int64_t>> Args::GetInt(
    const std::string& name) const {
  if (!Has(name)) return std::optional<int64_t>();
  int64_t v;
  if (!absl::SimpleAtoi(Get(name), &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, " must be an integer, got '", Get(name), "'"));
  }
  return std::optional<int64_t>(v);
}

absl::StatusOr<std::optional<double>> Args::GetDouble(
    const std::string& name) const {
  if (!Has(name)) return std::optional<double>();
  double v;
  if (!absl::SimpleAtod(Get(name), &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, " must be a number, got '", Get(name), "'"));
  }
  return std::optional<double>(v);
}

absl::StatusOr<std::string> Args::Require(const std::string& name) const {
  if (!Has(name)) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, " is required"));
  }
  return Get(name);
}

std::string FlagHelp(const std::vector<FlagSpec>& flags) {
  std::string out = "flags:\n";
  for (const FlagSpec& f : flags) {
    absl::StrAppend(&out, "  --", f.name, f.boolean ? "" : " VALUE", "  ",
                    f.help, "\n");
  }
  return out;
}

absl::StatusOr<std::vector<int32_t>> ParseIdList(const std::string& text,
                                                 const std::string& what) {
  std::vector<int32_t> ids;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (part.empty()) continue;
    int32_t id;
    if (!absl::SimpleAtoi(part, &id)) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": '", part, "' is not an integer token id"));
    }
    ids.push_back(id);
  }
  return ids;
}

}  // namespace gemma::tools
