#include "tokenizer/hf_tokenizer_json.h"

#include <map>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "nlohmann/json.hpp"

namespace gemma::tokenizer {
namespace {

using Json = nlohmann::json;

constexpr int kForcedVideoTokenId = 258884;

bool IsBytePieceName(const std::string& s) {
  auto hex = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
  };
  return s.size() == 6 && s.compare(0, 3, "<0x") == 0 && hex(s[3]) &&
         hex(s[4]) && s[5] == '>';
}

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid tokenizer.json: ", what));
}

// Returns the merge rule as its two halves.
absl::StatusOr<std::pair<std::string, std::string>> ParseMerge(const Json& rule,
                                                               size_t rank) {
  if (rule.is_array() && rule.size() == 2 && rule[0].is_string() &&
      rule[1].is_string()) {
    return std::make_pair(rule[0].get<std::string>(),
                          rule[1].get<std::string>());
  }
  if (rule.is_string()) {
    const std::string s = rule.get<std::string>();
    const size_t space = s.find(' ');
    if (space == std::string::npos) {
      // keras-hub skips rules that do not split in two.
      return std::make_pair(std::string(), std::string());
    }
    return std::make_pair(s.substr(0, space), s.substr(space + 1));
  }
  return Invalid(absl::StrCat("model.merges[", rank,
                              "] is neither \"a b\" nor [\"a\", \"b\"]"));
}

}  // namespace

absl::StatusOr<SpmModelSpec> SpmModelSpecFromHfTokenizerJson(
    absl::string_view json_text) {
  const Json root = Json::parse(json_text.begin(), json_text.end(),
                                /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return Invalid("not valid JSON");
  if (!root.is_object() || !root.contains("model") ||
      !root["model"].is_object()) {
    return Invalid("no \"model\" object");
  }
  const Json& model = root["model"];
  if (model.contains("type") && model["type"] != "BPE") {
    return Invalid(absl::StrCat("model.type is ", model["type"].dump(),
                                "; only BPE is supported"));
  }
  if (!model.contains("vocab") || !model["vocab"].is_object()) {
    return Invalid("model.vocab is missing or not an object");
  }
  if (!model.contains("merges") || !model["merges"].is_array()) {
    return Invalid("model.merges is missing or not a list");
  }

  std::map<std::string, int64_t> vocab;
  for (const auto& [piece, id] : model["vocab"].items()) {
    if (!id.is_number_integer()) {
      return Invalid(
          absl::StrCat("model.vocab[\"", piece, "\"] is not an integer"));
    }
    vocab[piece] = id.get<int64_t>();
  }
  std::set<std::string> added;
  if (root.contains("added_tokens")) {
    if (!root["added_tokens"].is_array())
      return Invalid("added_tokens is not a list");
    for (const Json& t : root["added_tokens"]) {
      if (!t.is_object() || !t.contains("content") ||
          !t["content"].is_string() || !t.contains("id") ||
          !t["id"].is_number_integer()) {
        return Invalid(
            "an added_tokens entry lacks a string content or an integer id");
      }
      const std::string content = t["content"].get<std::string>();
      vocab[content] = t["id"].get<int64_t>();
      added.insert(content);
    }
  }
  if (vocab.count("<|video|>") == 0) {
    vocab["<|video|>"] = kForcedVideoTokenId;
    added.insert("<|video|>");
  }

  // Merge result -> rank of the last rule producing it.
  const Json& merges = model["merges"];
  std::unordered_map<std::string, int64_t> merge_rank;
  merge_rank.reserve(merges.size());
  for (size_t r = 0; r < merges.size(); ++r) {
    GEMMA_ASSIGN_OR_RETURN(auto halves, ParseMerge(merges[r], r));
    if (halves.first.empty() && halves.second.empty()) continue;
    merge_rank[halves.first + halves.second] = static_cast<int64_t>(r);
  }
  const float base_score = -static_cast<float>(merges.size() + 1);

  // Pieces ordered by id; the ids must be exactly 0..N-1.
  std::vector<const std::string*> by_id(vocab.size(), nullptr);
  for (const auto& [piece, id] : vocab) {
    if (id < 0 || id >= static_cast<int64_t>(vocab.size())) {
      return Invalid(absl::StrCat(
          "token \"", piece, "\" has id ", id, ", but the ", vocab.size(),
          " tokens must have ids 0..", vocab.size() - 1));
    }
    if (by_id[id] != nullptr) {
      return Invalid(absl::StrCat("tokens \"", *by_id[id], "\" and \"", piece,
                                  "\" share id ", id));
    }
    by_id[id] = &piece;
  }

  SpmModelSpec spec;
  spec.pieces.resize(vocab.size());
  for (size_t id = 0; id < by_id.size(); ++id) {
    SpmPiece& p = spec.pieces[id];
    p.piece = *by_id[id];
    if (p.piece.empty())
      return Invalid(absl::StrCat("token id ", id, " is empty"));
    if (p.piece == "<unk>") {
      p.type = SpmPieceType::kUnknown;
    } else if (IsBytePieceName(p.piece)) {
      p.type = SpmPieceType::kByte;
    } else if (added.count(p.piece) != 0) {
      p.type = SpmPieceType::kUserDefined;
    } else if (auto it = merge_rank.find(p.piece); it != merge_rank.end()) {
      p.type = SpmPieceType::kNormal;
      p.score = -static_cast<float>(it->second);
    } else {
      p.type = SpmPieceType::kNormal;
      p.score = base_score;
    }
  }
  return spec;
}

absl::StatusOr<std::string> BuildSpmModelFromHfTokenizerJson(
    absl::string_view json_text) {
  GEMMA_ASSIGN_OR_RETURN(SpmModelSpec spec,
                         SpmModelSpecFromHfTokenizerJson(json_text));
  return SerializeBpeModelProto(spec);
}

}  // namespace gemma::tokenizer
