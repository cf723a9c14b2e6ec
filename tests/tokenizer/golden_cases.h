// Reads the tokenizer fixtures of the golden cases (tokenizer_cases.json and
// expected.json's verification.hf_tokenizer_ids). Test-only.
#ifndef GEMMA_TESTS_TOKENIZER_GOLDEN_CASES_H_
#define GEMMA_TESTS_TOKENIZER_GOLDEN_CASES_H_

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/testdata.h"

namespace gemma::tokenizer {

struct TokenizerCase {
  std::string text;
  std::vector<int> ids;
  std::vector<std::string> pieces;
  std::string detokenized;
  std::vector<int> hf_json_ids;  // verification.hf_tokenizer_ids
};

inline const std::vector<std::string>& GoldenCaseNames() {
  static const std::vector<std::string> names = {"e2b_like", "moe_like",
                                                 "dense_like"};
  return names;
}

// JsonType is nlohmann::json or nlohmann::ordered_json (which keeps key
// order, as chat requests need).
template <typename JsonType = nlohmann::json>
JsonType ReadJsonFile(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return JsonType::parse(ss.str());
}

inline std::vector<TokenizerCase> LoadTokenizerCases(const std::string& name) {
  const nlohmann::json cases =
      ReadJsonFile(testing::GoldenPath(name + "/tokenizer_cases.json"));
  const nlohmann::json expected =
      ReadJsonFile(testing::GoldenPath(name + "/expected.json"));
  const nlohmann::json& hf_ids = expected["verification"]["hf_tokenizer_ids"];
  std::vector<TokenizerCase> out;
  for (size_t i = 0; i < cases.size(); ++i) {
    TokenizerCase c;
    c.text = cases[i]["text"].get<std::string>();
    c.ids = cases[i]["token_ids"].get<std::vector<int>>();
    c.pieces = cases[i]["pieces"].get<std::vector<std::string>>();
    c.detokenized = cases[i]["detokenized"].get<std::string>();
    c.hf_json_ids = hf_ids.at(i).get<std::vector<int>>();
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace gemma::tokenizer

#endif  // GEMMA_TESTS_TOKENIZER_GOLDEN_CASES_H_
