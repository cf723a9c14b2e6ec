#include "engine/frontend.h"

#include <memory>
#include <string>
#include <vector>

#include "base/mapped_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"

namespace gemma::engine {
namespace {

using ::absl::StatusCode;
using ::gemma::testing::StatusIs;
using ::testing::ElementsAre;

class FrontendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tok = tokenizer::Tokenizer::FromSpmFile(
        gemma::testing::GoldenPath("e2b_like/hf/tokenizer.model"));
    ASSERT_OK(tok.status());
    tok_ = *std::move(tok);
    config_.text.vocab_size = 768;
    config_.family = "e2b";
    auto fe = Frontend::Create(tok_.get(), config_);
    ASSERT_OK(fe.status());
    fe_ = *std::move(fe);
    auto text =
        ReadFileToString(gemma::testing::GoldenPath("e2b_like/expected.json"));
    ASSERT_OK(text.status());
    expected_ = nlohmann::json::parse(*text);
  }

  std::unique_ptr<tokenizer::Tokenizer> tok_;
  model::ModelConfig config_;
  std::unique_ptr<Frontend> fe_;
  nlohmann::json expected_;
};

// keras-hub's preprocessing of the golden prompt strings: BOS + ids.
TEST_F(FrontendTest, TextPromptsMatchKerasHub) {
  for (const auto& p : expected_["prompts"]) {
    ASSERT_OK_AND_ASSIGN(PromptInput in,
                         fe_->FromText(p["text"].get<std::string>()));
    EXPECT_EQ(in.token_ids, p["token_ids"].get<std::vector<int32_t>>())
        << "prompt " << p["index"];
    EXPECT_FALSE(in.is_chat);
    EXPECT_TRUE(in.media.empty());
    ASSERT_OK_AND_ASSIGN(int n,
                         fe_->CountTextTokens(p["text"].get<std::string>()));
    EXPECT_EQ(n, p["num_tokens"].get<int>());
  }
}

TEST_F(FrontendTest, LeadingLiteralBosIsNotDoubled) {
  ASSERT_OK_AND_ASSIGN(PromptInput a, fe_->FromText("<bos>Hello"));
  ASSERT_OK_AND_ASSIGN(PromptInput b, fe_->FromText("Hello"));
  EXPECT_EQ(a.token_ids, b.token_ids);
  EXPECT_EQ(a.token_ids[0], 2);
}

TEST_F(FrontendTest, ChatMatchesTheGoldenChatPrompt) {
  // Golden prompt 0 is the rendered single-turn chat (small template).
  tokenizer::ChatRequest chat;
  chat.messages.push_back(
      tokenizer::ChatMessage::Text("user", "What is the capital of France?"));
  ASSERT_OK_AND_ASSIGN(std::string rendered, fe_->RenderChat(chat));
  EXPECT_EQ(rendered,
            "<bos>" + expected_["prompts"][0]["text"].get<std::string>());
  ASSERT_OK_AND_ASSIGN(PromptInput in, fe_->FromChat(chat));
  EXPECT_TRUE(in.is_chat);
  EXPECT_EQ(in.token_ids,
            expected_["prompts"][0]["token_ids"].get<std::vector<int32_t>>());
  ASSERT_OK_AND_ASSIGN(int n, fe_->CountChatTokens(chat));
  EXPECT_EQ(n, 28);
}

TEST_F(FrontendTest, LargeTemplateAddsTheEmptyThoughtChannel) {
  model::ModelConfig dense = config_;
  dense.family = "dense";
  ASSERT_OK_AND_ASSIGN(auto fe, Frontend::Create(tok_.get(), dense));
  tokenizer::ChatRequest chat;
  chat.messages.push_back(tokenizer::ChatMessage::Text("user", "Hi"));
  ASSERT_OK_AND_ASSIGN(std::string rendered, fe->RenderChat(chat));
  EXPECT_EQ(rendered,
            "<bos><|turn>user\nHi<turn|>\n<|turn>model\n"
            "<|channel>thought\n<channel|>");
}

TEST_F(FrontendTest, TokenIdsAreUsedAsGiven) {
  ASSERT_OK_AND_ASSIGN(PromptInput in, fe_->FromTokenIds({5, 6, 7}));
  EXPECT_THAT(in.token_ids, ElementsAre(5, 6, 7));  // No BOS added.
  EXPECT_THAT(fe_->FromTokenIds({2, 768}),
              StatusIs(StatusCode::kInvalidArgument, "has id 768"));
  EXPECT_THAT(fe_->FromTokenIds({}),
              StatusIs(StatusCode::kInvalidArgument, "empty"));
}

TEST_F(FrontendTest, MediaIsRefusedClearly) {
  EXPECT_THAT(fe_->FromText("Look: <|image|>"),
              StatusIs(StatusCode::kInvalidArgument, "<|image|>"));
  MediaBlob blob;
  blob.bytes = "\x89PNG";
  EXPECT_THAT(fe_->FromText("Look: <|image|>", {blob}),
              StatusIs(StatusCode::kInvalidArgument, "media not supported"));
  tokenizer::ChatRequest chat;
  tokenizer::ChatMessage m;
  m.role = "user";
  m.content.kind = tokenizer::MessageContent::Kind::kParts;
  m.content.parts.push_back(tokenizer::ContentPart::Media("image"));
  chat.messages.push_back(m);
  EXPECT_THAT(fe_->FromChat(chat),
              StatusIs(StatusCode::kInvalidArgument, "media not supported"));
  EXPECT_THAT(fe_->FromChat(tokenizer::ChatRequest()),
              StatusIs(StatusCode::kInvalidArgument, "no messages"));
}

TEST_F(FrontendTest, RejectsATokenizerLargerThanTheModel) {
  model::ModelConfig small = config_;
  small.text.vocab_size = 100;
  EXPECT_THAT(Frontend::Create(tok_.get(), small),
              StatusIs(StatusCode::kInvalidArgument, "does not belong"));
}

}  // namespace
}  // namespace gemma::engine
