#include "server/response_conversion.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gemma::server {
namespace {

TEST(ResponseConversionTest, FinishReasons) {
  EXPECT_EQ(ToProtoFinishReason(engine::FinishReason::kStopToken),
            gemma4::v1::FINISH_REASON_STOP_TOKEN);
  EXPECT_EQ(ToProtoFinishReason(engine::FinishReason::kStopString),
            gemma4::v1::FINISH_REASON_STOP_STRING);
  EXPECT_EQ(ToProtoFinishReason(engine::FinishReason::kLength),
            gemma4::v1::FINISH_REASON_LENGTH);
  EXPECT_EQ(ToProtoFinishReason(engine::FinishReason::kCancelled),
            gemma4::v1::FINISH_REASON_CANCELLED);
}

TEST(ResponseConversionTest, CompletionCarriesEverything) {
  engine::GenerationResult r;
  r.prompt_index = 1;
  r.finish_reason = engine::FinishReason::kStopToken;
  r.matched_stop = "<turn|>";
  r.matched_stop_token = 106;
  r.token_ids = {2, 5, 106};
  r.text = "<|channel>thought\nhmm<channel|>Hi<turn|>";
  r.usage = {2, 1, 0};
  r.timings.queue = absl::Milliseconds(1500);
  r.timings.prefill = absl::Nanoseconds(7);
  std::vector<engine::TokenLogprob> logprobs(1);
  logprobs[0].token = 106;
  logprobs[0].logprob = -0.25f;
  logprobs[0].top = {{106, -0.25f}, {7, -2.0f}};
  const tokenizer::ParsedChatOutput chat = tokenizer::ParseChatOutput(r.text);
  gemma4::v1::Completion c;
  FillCompletion(r, logprobs, &chat, &c);
  EXPECT_EQ(c.prompt_index(), 1);
  EXPECT_THAT(c.token_ids(), ::testing::ElementsAre(2, 5, 106));
  EXPECT_EQ(c.text(), r.text);
  EXPECT_EQ(c.finish_reason(), gemma4::v1::FINISH_REASON_STOP_TOKEN);
  EXPECT_EQ(c.matched_stop(), "<turn|>");
  EXPECT_EQ(c.matched_stop_token_id(), 106);
  EXPECT_EQ(c.usage().prompt_tokens(), 2);
  EXPECT_EQ(c.usage().completion_tokens(), 1);
  EXPECT_EQ(c.timings().queue().seconds(), 1);
  EXPECT_EQ(c.timings().queue().nanos(), 500000000);
  EXPECT_EQ(c.timings().prefill().nanos(), 7);
  ASSERT_EQ(c.logprobs_size(), 1);
  EXPECT_EQ(c.logprobs(0).top_size(), 2);
  EXPECT_EQ(c.logprobs(0).top(1).token_id(), 7);
  EXPECT_EQ(c.chat().thought(), "hmm");
  EXPECT_EQ(c.chat().content(), "Hi");
}

// Streamed chat output: each chunk's delta as the API's ChatDelta; tool-call
// arguments the model wrote with bytes that are not UTF-8 arrive as valid
// UTF-8 JSON (U+FFFD), not as an exception.
TEST(ResponseConversionTest, ChatDeltasFromStreamedOutput) {
  tokenizer::ChatOutputParser parser;
  gemma4::v1::ChatDelta first;
  FillChatDelta(parser.Push("<|channel>thought\nhmm<channel|>Hi"), &first);
  EXPECT_EQ(first.thought(), "hmm");
  EXPECT_EQ(first.content(), "Hi");
  gemma4::v1::ChatDelta second;
  FillChatDelta(parser.Push("<|tool_call>call:f{s:<|\"|>a\xFF"
                            "b<|\"|>}<tool_call|><|tool_response>"),
                &second);
  ASSERT_EQ(second.tool_calls_size(), 1);
  EXPECT_EQ(second.tool_calls(0).name(), "f");
  EXPECT_EQ(second.tool_calls(0).arguments_json(),
            "{\"s\":\"a\xEF\xBF\xBD"
            "b\"}");
  EXPECT_TRUE(parser.Finish().empty());
}

TEST(ResponseConversionTest, ModelInfoListsModalities) {
  engine::ModelInfo info;
  info.name = "e2b";
  info.image = info.audio = true;
  info.context_length = 4096;
  gemma4::v1::ModelInfo out;
  FillModelInfo(info, &out);
  EXPECT_EQ(out.name(), "e2b");
  EXPECT_EQ(out.context_length(), 4096);
  EXPECT_THAT(out.modalities(),
              ::testing::ElementsAre("text", "image", "audio"));
}

}  // namespace
}  // namespace gemma::server
