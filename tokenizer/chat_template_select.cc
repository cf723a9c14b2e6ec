// How a ChatTemplate is chosen: by the SHA-256 of the checkpoint's
// chat_template.jinja (spec §6.5.1), else by the model family.
#include <sys/stat.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/mapped_file.h"
#include "base/status_macros.h"
#include "nlohmann/json.hpp"
#include "tokenizer/chat_template.h"
#include "tokenizer/sha256.h"

namespace gemma::tokenizer {
namespace {

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

struct KnownTemplate {
  const char* sha256_prefix;  // full digest or its first 8 hex digits
  ChatTemplateVariant variant;
  ChatTemplateRevision revision;
};

// spec §6.5.1. The cosmetic R5 variants render exactly like R5.
constexpr KnownTemplate kKnownTemplates[] = {
    {"0a2c8073c878ab1da004bee933a998606537bbb62016310352c7285c3f01c5b5",
     ChatTemplateVariant::kSmall, ChatTemplateRevision::kR5},
    {"ae53464bf3be25802b3a5b37def7fd89667067d7577049b3b2d74c4d8de4c6d4",
     ChatTemplateVariant::kLarge, ChatTemplateRevision::kR5},
    {"3beb16a1", ChatTemplateVariant::kSmall, ChatTemplateRevision::kR5},
    {"df269903", ChatTemplateVariant::kLarge, ChatTemplateRevision::kR5},
    {"33204f1a", ChatTemplateVariant::kSmall, ChatTemplateRevision::kR3},
    {"94899c0f", ChatTemplateVariant::kLarge, ChatTemplateRevision::kR3},
    {"781d1094", ChatTemplateVariant::kSmall, ChatTemplateRevision::kR2},
    {"85a08664", ChatTemplateVariant::kLarge, ChatTemplateRevision::kR2},
};

}  // namespace

ChatTemplate ChatTemplate::ForFamily(absl::string_view family) {
  const std::string f = absl::AsciiStrToLower(family);
  for (const char* large : {"moe", "dense", "26b", "31b", "12b"}) {
    if (absl::StrContains(f, large))
      return ChatTemplate(ChatTemplateVariant::kLarge);
  }
  return ChatTemplate(ChatTemplateVariant::kSmall);
}

ChatTemplate ChatTemplate::FromJinjaText(absl::string_view jinja,
                                         absl::string_view family) {
  const std::string digest = Sha256Hex(jinja);
  for (const KnownTemplate& known : kKnownTemplates) {
    if (absl::StartsWith(digest, known.sha256_prefix)) {
      ChatTemplate t(known.variant, known.revision);
      t.sha256_ = digest;
      return t;
    }
  }
  ChatTemplate t = ForFamily(family);
  t.revision_ = ChatTemplateRevision::kUnknown;
  t.sha256_ = digest;
  LOG(WARNING) << "unrecognized chat_template.jinja (sha256 " << digest
               << "); rendering the 2026-07-15 Gemma 4 template, "
               << (t.variant_ == ChatTemplateVariant::kLarge ? "large"
                                                             : "small")
               << " variant for family '" << family << "'";
  return t;
}

absl::StatusOr<ChatTemplate> ChatTemplate::FromJinjaFile(
    const std::string& path, absl::string_view family) {
  GEMMA_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  return FromJinjaText(text, family);
}

absl::StatusOr<ChatTemplate> ChatTemplate::FromModelDir(
    const std::string& dir, absl::string_view family) {
  const std::string jinja = dir + "/chat_template.jinja";
  if (FileExists(jinja)) return FromJinjaFile(jinja, family);
  const std::string config_path = dir + "/tokenizer_config.json";
  if (FileExists(config_path)) {
    GEMMA_ASSIGN_OR_RETURN(std::string text, ReadFileToString(config_path));
    const nlohmann::json config =
        nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (config.is_discarded() || !config.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(config_path, ": not a JSON object"));
    }
    auto it = config.find("chat_template");
    if (it != config.end() && it->is_string()) {
      return FromJinjaText(it->get<std::string>(), family);
    }
    if (it != config.end() && it->is_array()) {
      for (const nlohmann::json& entry : *it) {
        if (entry.is_object() && entry.value("name", "") == "default" &&
            entry.contains("template") && entry["template"].is_string()) {
          return FromJinjaText(entry["template"].get<std::string>(), family);
        }
      }
    }
  }
  return ForFamily(family);
}

}  // namespace gemma::tokenizer
