#include "tokenizer/tokenizer.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"
#include "tests/tokenizer/golden_cases.h"
#include "tokenizer/hf_tokenizer_json.h"

namespace gemma::tokenizer {
namespace {

using ::gemma::testing::GoldenPath;
using ::gemma::testing::StatusIs;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

// The golden vocabulary's model file exists twice per case: as the Keras
// preset asset and as the Hugging Face tokenizer.model.
std::vector<std::string> SpmPaths(const std::string& name) {
  return {GoldenPath(name + "/keras/assets/tokenizer/vocabulary.spm"),
          GoldenPath(name + "/hf/tokenizer.model")};
}

TEST(TokenizerTest, SpmFilesMatchEveryGoldenCase) {
  for (const std::string& name : GoldenCaseNames()) {
    const std::vector<TokenizerCase> cases = LoadTokenizerCases(name);
    ASSERT_EQ(cases.size(), 10u) << name;
    for (const std::string& path : SpmPaths(name)) {
      ASSERT_OK_AND_ASSIGN(auto tok, Tokenizer::FromSpmFile(path));
      EXPECT_EQ(tok->vocab_size(), 768) << path;
      for (const TokenizerCase& c : cases) {
        SCOPED_TRACE(path + " / " + c.text);
        const std::vector<int> ids = tok->Encode(c.text);
        EXPECT_THAT(ids, ElementsAreArray(c.ids));
        std::vector<std::string> pieces;
        for (int id : c.ids) pieces.push_back(tok->IdToPiece(id));
        EXPECT_THAT(pieces, ElementsAreArray(c.pieces));
        for (size_t i = 0; i < c.pieces.size(); ++i) {
          EXPECT_EQ(tok->PieceToId(c.pieces[i]), c.ids[i]);
        }
        ASSERT_OK_AND_ASSIGN(std::string text, tok->Decode(c.ids));
        EXPECT_EQ(text, c.detokenized);
      }
    }
  }
}

TEST(TokenizerTest, HfTokenizerJsonMatchesKerasRebuiltTokenizer) {
  for (const std::string& name : GoldenCaseNames()) {
    const std::vector<TokenizerCase> cases = LoadTokenizerCases(name);
    ASSERT_OK_AND_ASSIGN(auto tok, Tokenizer::FromHfTokenizerJson(GoldenPath(
                                       name + "/hf/tokenizer.json")));
    EXPECT_EQ(tok->vocab_size(), 768);
    int differs_from_spm = 0;
    for (const TokenizerCase& c : cases) {
      SCOPED_TRACE(name + " / " + c.text);
      const std::vector<int> ids = tok->Encode(c.text);
      EXPECT_THAT(ids, ElementsAreArray(c.hf_json_ids));
      if (ids != c.ids) ++differs_from_spm;
      // Every added token is user-defined here, so even <bos>/<eos> decode
      // back to their text.
      ASSERT_OK_AND_ASSIGN(std::string text, tok->Decode(ids));
      EXPECT_EQ(text, c.text);
    }
    // Only "<bos>Hello<eos>" tokenizes differently (README, Verification).
    EXPECT_EQ(differs_from_spm, 1) << name;
  }
}

TEST(TokenizerTest, HfTokenizerJsonHasTheSamePieceTable) {
  ASSERT_OK_AND_ASSIGN(
      auto from_json,
      Tokenizer::FromHfTokenizerJson(GoldenPath("e2b_like/hf/tokenizer.json")));
  ASSERT_OK_AND_ASSIGN(
      auto from_spm,
      Tokenizer::FromSpmFile(GoldenPath("e2b_like/hf/tokenizer.model")));
  ASSERT_EQ(from_json->vocab_size(), from_spm->vocab_size());
  for (int id = 0; id < from_spm->vocab_size(); ++id) {
    EXPECT_EQ(from_json->IdToPiece(id), from_spm->IdToPiece(id)) << id;
  }
}

TEST(TokenizerTest, SpecialIdsAreLookedUpFromTheVocabulary) {
  ASSERT_OK_AND_ASSIGN(auto tok,
                       Tokenizer::FromModelDir(GoldenPath("e2b_like/keras")));
  const SpecialTokenIds& s = tok->special_ids();
  EXPECT_EQ(s.pad, 0);
  EXPECT_EQ(s.eos, 1);
  EXPECT_EQ(s.bos, 2);
  EXPECT_EQ(s.unk, 3);
  EXPECT_EQ(s.mask, 4);
  EXPECT_EQ(s.turn_start, 6);
  EXPECT_EQ(s.turn_end, 7);
  EXPECT_EQ(s.image_start, 10);
  EXPECT_EQ(s.image_end, 11);
  EXPECT_EQ(s.image_placeholder, 12);
  EXPECT_EQ(s.audio_start, 13);
  EXPECT_EQ(s.audio_end, 14);
  EXPECT_EQ(s.audio_placeholder, 15);
  EXPECT_EQ(s.video_placeholder, 18);
  // The fixture vocabulary has no tool/channel tokens.
  EXPECT_EQ(s.tool_call_start, -1);
  EXPECT_EQ(s.channel_start, -1);
  EXPECT_EQ(s.think, -1);
  EXPECT_EQ(tok->PieceToId("<|tool_call>"), -1);
  EXPECT_EQ(tok->PieceToId("definitely not a piece"), -1);
}

TEST(TokenizerTest, PostprocessStripSetFollowsKerasHub) {
  ASSERT_OK_AND_ASSIGN(auto tok,
                       Tokenizer::FromModelDir(GoldenPath("e2b_like/hf")));
  for (int id : {0, 1, 2, 11, 12, 18, 13, 14, 15}) {
    EXPECT_TRUE(tok->IsSpecialForPostprocess(id)) << id;
  }
  for (int id : {3, 6, 7, 10, 727}) {  // <unk>, turn markers, <|image>, text
    EXPECT_FALSE(tok->IsSpecialForPostprocess(id)) << id;
  }
  for (int id : {13, 14, 15}) {
    EXPECT_FALSE(
        tok->IsSpecialForPostprocess(id, /*strip_audio_tokens=*/false));
  }
  const std::vector<int> ids = {2, 727, 661, 7, 10, 12, 11, 1, 0};
  EXPECT_THAT(tok->StripForPostprocess(ids),
              ElementsAreArray({727, 661, 7, 10}));
  ASSERT_OK_AND_ASSIGN(std::string text,
                       tok->Decode(tok->StripForPostprocess(ids)));
  EXPECT_EQ(text, "He<turn|><|image>");
}

TEST(TokenizerTest, ControlPiecesDecodeToNothingInTheSpmModel) {
  ASSERT_OK_AND_ASSIGN(auto tok,
                       Tokenizer::FromModelDir(GoldenPath("e2b_like/hf")));
  ASSERT_OK_AND_ASSIGN(std::string text, tok->Decode({2, 727, 661, 1}));
  EXPECT_EQ(text, "He");
}

TEST(TokenizerTest, DecodeRejectsIdsOutsideTheVocabulary) {
  ASSERT_OK_AND_ASSIGN(auto tok,
                       Tokenizer::FromModelDir(GoldenPath("e2b_like/hf")));
  EXPECT_THAT(tok->Decode({727, 768}),
              StatusIs(absl::StatusCode::kInvalidArgument, "768"));
  EXPECT_THAT(tok->Decode({-1}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(tok->IdToPiece(100000), "");
}

TEST(TokenizerTest, LoadErrorsAreClear) {
  EXPECT_THAT(Tokenizer::FromSpmFile("/nonexistent/tokenizer.model"),
              StatusIs(absl::StatusCode::kNotFound));
  // A JSON file is not a SentencePiece model.
  EXPECT_THAT(
      Tokenizer::FromSpmFile(GoldenPath("e2b_like/hf/tokenizer_config.json")),
      StatusIs(absl::StatusCode::kInvalidArgument, "tokenizer_config.json"));
  EXPECT_THAT(
      Tokenizer::FromHfTokenizerJson(GoldenPath("e2b_like/hf/tokenizer.model")),
      StatusIs(absl::StatusCode::kInvalidArgument, "not valid JSON"));
  EXPECT_THAT(Tokenizer::FromModelDir(GoldenPath("media")),
              StatusIs(absl::StatusCode::kNotFound, "tokenizer.json"));
}

TEST(HfTokenizerJsonTest, PieceTypesAndScoresFollowKerasHub) {
  // Merges: a+b -> ab (rank 0), ab+c -> abc (rank 1), a+bc -> abc (rank 2,
  // the last rule producing "abc" wins).
  const std::string json = R"({
    "added_tokens": [{"id": 0, "content": "<pad>"}, {"id": 1, "content": "<unk>"},
                     {"id": 9, "content": "<|turn>"}],
    "model": {"type": "BPE",
      "vocab": {"<pad>": 0, "<unk>": 1, "<0x41>": 2, "a": 3, "b": 4, "c": 5,
                "ab": 6, "abc": 7, "bc": 8, "<|video|>": 10},
      "merges": [["a", "b"], ["ab", "c"], "a bc", "b c"]}})";
  ASSERT_OK_AND_ASSIGN(SpmModelSpec spec,
                       SpmModelSpecFromHfTokenizerJson(json));
  ASSERT_EQ(spec.pieces.size(), 11u);
  EXPECT_EQ(spec.pieces[0].type, SpmPieceType::kUserDefined);
  EXPECT_EQ(spec.pieces[1].type, SpmPieceType::kUnknown);
  EXPECT_EQ(spec.pieces[2].type, SpmPieceType::kByte);
  EXPECT_EQ(spec.pieces[3].type, SpmPieceType::kNormal);
  EXPECT_EQ(spec.pieces[3].score, -5.0f);  // base: -(4 merges + 1)
  EXPECT_EQ(spec.pieces[6].score, -0.0f);
  EXPECT_EQ(spec.pieces[7].piece, "abc");
  EXPECT_EQ(spec.pieces[7].score, -2.0f);
  EXPECT_EQ(spec.pieces[8].score, -3.0f);
  EXPECT_EQ(spec.pieces[9].piece, "<|turn>");
  EXPECT_EQ(spec.pieces[9].type, SpmPieceType::kUserDefined);
  // Present in the vocabulary but not an added token: an ordinary piece.
  EXPECT_EQ(spec.pieces[10].piece, "<|video|>");
  EXPECT_EQ(spec.pieces[10].type, SpmPieceType::kNormal);
}

TEST(HfTokenizerJsonTest, AddsTheVideoTokenWhenMissing) {
  // Without <|video|> keras-hub adds it with id 258884, which only fits a
  // full-size vocabulary; here it leaves a gap, which is reported.
  EXPECT_THAT(SpmModelSpecFromHfTokenizerJson(
                  R"({"model": {"vocab": {"a": 0}, "merges": []}})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "258884"));
}

TEST(HfTokenizerJsonTest, RejectsMalformedFiles) {
  EXPECT_THAT(SpmModelSpecFromHfTokenizerJson("{"),
              StatusIs(absl::StatusCode::kInvalidArgument, "not valid JSON"));
  EXPECT_THAT(
      SpmModelSpecFromHfTokenizerJson(R"({"model": {"type": "Unigram"}})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "only BPE"));
  EXPECT_THAT(SpmModelSpecFromHfTokenizerJson(R"({"model": {"vocab": {}}})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "merges"));
  // Ids with a gap cannot be laid out as SentencePiece pieces.
  EXPECT_THAT(
      SpmModelSpecFromHfTokenizerJson(
          R"({"model": {"vocab": {"a": 0, "b": 5, "<|video|>": 1}, "merges": []}})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "has id 5"));
  EXPECT_THAT(
      SpmModelSpecFromHfTokenizerJson(
          R"({"model": {"vocab": {"a": 0, "b": 0, "<|video|>": 1}, "merges": []}})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "share id 0"));
}

TEST(TokenizerTest, ConcurrentEncodeAndDecodeAgree) {
  ASSERT_OK_AND_ASSIGN(auto tok,
                       Tokenizer::FromModelDir(GoldenPath("e2b_like/hf")));
  const std::vector<TokenizerCase> cases = LoadTokenizerCases("e2b_like");
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 50; ++rep) {
        for (const TokenizerCase& c : cases) {
          if (tok->Encode(c.text) != c.ids) ++failures[t];
          absl::StatusOr<std::string> text = tok->Decode(c.ids);
          if (!text.ok() || *text != c.detokenized) ++failures[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_THAT(failures, ElementsAreArray({0, 0, 0, 0}));
}

}  // namespace
}  // namespace gemma::tokenizer
