// Text and chat prompts through the real front end (golden tokenizer of
// e2b_like) in the same binary as gRPC's libprotobuf: checks the
// sentencepiece isolation and the API -> ChatRequest conversion against the
// keras-hub prompt ids.
#include <memory>
#include <string>
#include <vector>

#include "engine/frontend.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/config.h"
#include "proto/gemma4_service.pb.h"
#include "server/prompt_builder.h"
#include "tests/server/fake_engine.h"
#include "tests/testing/npy.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"
#include "tokenizer/tokenizer.h"

namespace gemma::server {
namespace {

using ::gemma::testing::StatusIs;

class FrontendPromptsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(tokenizer_, tokenizer::Tokenizer::FromModelDir(
                                         testing::GoldenPath("e2b_like/hf")));
    model::ModelConfig config;
    config.family = "e2b";
    config.text.vocab_size = 768;
    ASSERT_OK_AND_ASSIGN(frontend_,
                         engine::Frontend::Create(tokenizer_.get(), config));
    engine_.set_frontend(frontend_.get());
  }

  // keras-hub's ids for golden prompt 0 (BOS + its text).
  std::vector<int32_t> GoldenIds() {
    auto ids =
        testing::ReadNpy(testing::GoldenPath("e2b_like/prompt0_token_ids.npy"));
    EXPECT_TRUE(ids.ok()) << ids.status();
    return ids.ok() ? ids->ToInts() : std::vector<int32_t>{};
  }

  std::unique_ptr<tokenizer::Tokenizer> tokenizer_;
  std::unique_ptr<engine::Frontend> frontend_;
  testing::FakeEngine engine_;
};

TEST_F(FrontendPromptsTest, TextPromptMatchesKerasHubIds) {
  google::protobuf::RepeatedPtrField<gemma4::v1::Prompt> prompts;
  prompts.Add()->mutable_text()->set_text(
      "<|turn>user\nWhat is the capital of France?<turn|>\n<|turn>model\n");
  ASSERT_OK_AND_ASSIGN(auto built,
                       BuildPrompts(engine_, "fake", prompts, nullptr));
  ASSERT_EQ(built.size(), 1u);
  EXPECT_EQ(built[0].token_ids, GoldenIds());
  EXPECT_FALSE(built[0].is_chat);
}

TEST_F(FrontendPromptsTest, ChatPromptRendersTheTemplate) {
  google::protobuf::RepeatedPtrField<gemma4::v1::Prompt> prompts;
  auto* message = prompts.Add()->mutable_chat()->add_messages();
  message->set_role("user");
  message->add_parts()->set_text("What is the capital of France?");
  ASSERT_OK_AND_ASSIGN(auto built,
                       BuildPrompts(engine_, "fake", prompts, nullptr));
  EXPECT_EQ(built[0].token_ids, GoldenIds());
  EXPECT_TRUE(built[0].is_chat);
}

TEST_F(FrontendPromptsTest, MixedPromptsAndFieldNamedErrors) {
  google::protobuf::RepeatedPtrField<gemma4::v1::Prompt> prompts;
  prompts.Add()->mutable_token_ids()->add_ids(2);
  prompts.Add()->mutable_text()->set_text("Hello");
  ASSERT_OK_AND_ASSIGN(auto built,
                       BuildPrompts(engine_, "fake", prompts, nullptr));
  EXPECT_EQ(built[0].token_ids, std::vector<int32_t>{2});
  EXPECT_EQ(built[1].token_ids.front(), 2);           // BOS added to text.
  prompts.Add()->mutable_token_ids()->add_ids(5000);  // Outside the vocab.
  EXPECT_THAT(BuildPrompts(engine_, "fake", prompts, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, "prompts[2]"));
}

TEST(ChatStartsInThoughtTest, OnlyAfterToolResultsWithThinking) {
  gemma4::v1::ChatPrompt chat;
  chat.set_enable_thinking(true);
  chat.add_messages()->set_role("user");
  EXPECT_FALSE(ChatStartsInThought(chat));
  auto* assistant = chat.add_messages();
  assistant->set_role("assistant");
  assistant->add_tool_calls()->set_name("f");
  auto* response = assistant->add_tool_responses();
  response->set_name("f");
  response->set_response_json("1");
  EXPECT_TRUE(ChatStartsInThought(chat));
  chat.set_enable_thinking(false);
  EXPECT_FALSE(ChatStartsInThought(chat));
}

}  // namespace
}  // namespace gemma::server
