#include "tokenizer/streaming_detokenizer.h"

#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"
#include "tests/tokenizer/golden_cases.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace gemma::tokenizer {
namespace {

using ::gemma::testing::GoldenPath;

bool IsWellFormedUtf8(const std::string& s) {
  size_t pos = 0;
  while (pos < s.size()) {
    size_t len = 0;
    if (ClassifyUtf8Prefix(absl::string_view(s).substr(pos), &len) !=
        Utf8Prefix::kComplete) {
      return false;
    }
    pos += len;
  }
  return true;
}

std::string StreamAll(const Tokenizer& tok, const std::vector<int>& ids,
                      std::vector<std::string>* chunks = nullptr) {
  StreamingDetokenizer detok(&tok);
  std::string out;
  for (int id : ids) {
    std::string chunk = detok.Push(id);
    if (chunks != nullptr) chunks->push_back(chunk);
    out += chunk;
  }
  std::string tail = detok.Flush();
  if (chunks != nullptr) chunks->push_back(tail);
  return out + tail;
}

TEST(StreamingDetokenizerTest, EqualsFullDecodeOnEveryGoldenCase) {
  for (const std::string& name : GoldenCaseNames()) {
    for (const std::string& path :
         {GoldenPath(name + "/keras/assets/tokenizer/vocabulary.spm"),
          GoldenPath(name + "/hf/tokenizer.json")}) {
      absl::StatusOr<std::unique_ptr<Tokenizer>> tok =
          path.size() > 5 && path.substr(path.size() - 5) == ".json"
              ? Tokenizer::FromHfTokenizerJson(path)
              : Tokenizer::FromSpmFile(path);
      ASSERT_OK(tok);
      for (const TokenizerCase& c : LoadTokenizerCases(name)) {
        SCOPED_TRACE(path + " / " + c.text);
        std::vector<std::string> chunks;
        const std::string streamed = StreamAll(**tok, c.ids, &chunks);
        ASSERT_OK_AND_ASSIGN(std::string full, (*tok)->Decode(c.ids));
        EXPECT_EQ(streamed, full);
        EXPECT_EQ(streamed, c.detokenized);
        // The golden texts are well-formed, so no chunk may split a
        // character.
        for (const std::string& chunk : chunks) {
          EXPECT_TRUE(IsWellFormedUtf8(chunk)) << chunk;
        }
      }
    }
  }
}

TEST(StreamingDetokenizerTest, HoldsByteFallbackPiecesUntilTheCharacterEnds) {
  ASSERT_OK_AND_ASSIGN(auto tok,
                       Tokenizer::FromModelDir(GoldenPath("e2b_like/hf")));
  StreamingDetokenizer detok(tok.get());
  // "日" = <0xE6> <0x97> <0xA5>, then "本", then 😀 = F0 9F 98 80.
  EXPECT_EQ(detok.Push(249), "");
  EXPECT_EQ(detok.Push(170), "");
  EXPECT_EQ(detok.Push(184), "日");
  EXPECT_EQ(detok.Push(755), "本");
  EXPECT_EQ(detok.Push(259), "");
  EXPECT_EQ(detok.Push(178), "");
  EXPECT_EQ(detok.Push(171), "");
  EXPECT_EQ(detok.Push(147), "\xF0\x9F\x98\x80");
  EXPECT_EQ(detok.Push(338), " e");
  EXPECT_EQ(detok.Flush(), "");
}

TEST(StreamingDetokenizerTest, TruncatedCharacterBecomesReplacementChars) {
  ASSERT_OK_AND_ASSIGN(auto tok,
                       Tokenizer::FromModelDir(GoldenPath("e2b_like/hf")));
  // <0xE6> <0x97> then a normal piece: both bytes are malformed.
  const std::vector<int> ids = {249, 170, 727};
  const std::string streamed = StreamAll(*tok, ids);
  ASSERT_OK_AND_ASSIGN(std::string full, tok->Decode(ids));
  EXPECT_EQ(streamed, full);
  EXPECT_EQ(streamed, "\xEF\xBF\xBD\xEF\xBF\xBDH");
  // And at the end of the stream.
  StreamingDetokenizer detok(tok.get());
  EXPECT_EQ(detok.Push(249), "");
  EXPECT_EQ(detok.Flush(), "\xEF\xBF\xBD");
}

// Random id sequences (bytes, control, unknown, user-defined and normal
// pieces mixed) must stream to exactly what SentencePiece decodes.
TEST(StreamingDetokenizerTest, RandomSequencesMatchSentencePiece) {
  ASSERT_OK_AND_ASSIGN(auto tok,
                       Tokenizer::FromModelDir(GoldenPath("e2b_like/hf")));
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int> any_id(0, tok->vocab_size() - 1);
  std::uniform_int_distribution<int> byte_id(19, 274);
  std::uniform_int_distribution<int> coin(0, 3);
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<int> ids;
    const int n = 1 + trial % 12;
    for (int i = 0; i < n; ++i) {
      ids.push_back(coin(rng) == 0 ? any_id(rng) : byte_id(rng));
    }
    ASSERT_OK_AND_ASSIGN(std::string full, tok->Decode(ids));
    ASSERT_EQ(StreamAll(*tok, ids), full) << ::testing::PrintToString(ids);
  }
}

TEST(StreamingDetokenizerTest, ResetStartsOver) {
  ASSERT_OK_AND_ASSIGN(auto tok,
                       Tokenizer::FromModelDir(GoldenPath("e2b_like/hf")));
  StreamingDetokenizer detok(tok.get());
  EXPECT_EQ(detok.Push(249), "");
  detok.Reset();
  EXPECT_EQ(detok.Push(727), "H");
  EXPECT_EQ(detok.Push(100000), "");  // invalid ids are ignored
  EXPECT_EQ(detok.Flush(), "");
}

}  // namespace
}  // namespace gemma::tokenizer
