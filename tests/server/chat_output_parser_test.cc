#include "server/chat_output_parser.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/tool_call_syntax.h"
#include "tests/testing/status_matchers.h"

namespace gemma::server {
namespace {

using ::gemma::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;

// The JSON, or the error text, so a failure shows what went wrong.
std::string Json(absl::string_view text) {
  absl::StatusOr<std::string> json = GemmaValueToJson(text);
  return json.ok() ? *json : json.status().ToString();
}

auto Call(const std::string& name, const std::string& json) {
  return ::testing::AllOf(Field(&ParsedToolCall::name, name),
                          Field(&ParsedToolCall::arguments_json, json));
}

TEST(GemmaValueToJsonTest, ConvertsTheValueSyntax) {
  EXPECT_EQ(Json("{city:<|\"|>Paris<|\"|>,days:3}"),
            R"({"city":"Paris","days":3})");
  // Keys keep the model's order; floats stay floats; nesting; quoting.
  EXPECT_EQ(
      Json("{z:1.5,a:[true,false,null,None],"
           "m:{<|\"|>k<|\"|>:<|\"|>say \"hi\"<|\"|>},e:1e-05}"),
      R"({"z":1.5,"a":[true,false,null,null],"m":{"k":"say \"hi\""},"e":1e-05})");
  EXPECT_EQ(Json("{}"), "{}");
  EXPECT_EQ(Json("{unit:celsius}"), R"({"unit":"celsius"})");
}

TEST(GemmaValueToJsonTest, RejectsMalformedValues) {
  EXPECT_THAT(GemmaValueToJson("{a:<|\"|>open"),
              StatusIs(absl::StatusCode::kInvalidArgument, "unterminated"));
  EXPECT_THAT(GemmaValueToJson("{a:1"),
              StatusIs(absl::StatusCode::kInvalidArgument, "expected"));
  EXPECT_THAT(GemmaValueToJson("{a:1} x"),
              StatusIs(absl::StatusCode::kInvalidArgument, "after the value"));
  EXPECT_THAT(GemmaValueToJson(std::string(100, '[')),
              StatusIs(absl::StatusCode::kInvalidArgument, "too deep"));
}

TEST(ChatOutputParserTest, PlainAnswerEndsAtTurnEnd) {
  ChatDelta d = ChatOutputParser::ParseAll("Paris.<turn|>ignored");
  EXPECT_EQ(d.content, "Paris.");
  EXPECT_EQ(d.thought, "");
  EXPECT_THAT(d.tool_calls, IsEmpty());
}

TEST(ChatOutputParserTest, SeparatesTheThoughtChannel) {
  ChatDelta d = ChatOutputParser::ParseAll(
      "<|channel>thought\n  Let me think.\n<channel|>The answer is 4.<turn|>");
  EXPECT_EQ(d.thought, "Let me think.");
  EXPECT_EQ(d.content, "The answer is 4.");
}

TEST(ChatOutputParserTest, StartsInThoughtAfterToolResults) {
  ChatDelta d = ChatOutputParser::ParseAll("checking\n<channel|>Done.<eos>",
                                           /*starts_in_thought=*/true);
  EXPECT_EQ(d.thought, "checking");
  EXPECT_EQ(d.content, "Done.");
}

TEST(ChatOutputParserTest, ParsesToolCallsAndStopsAtToolResponse) {
  ChatDelta d = ChatOutputParser::ParseAll(
      "<|tool_call>call:get_weather{city:<|\"|>Paris<|\"|>}<tool_call|>"
      "<|tool_call>call:now{}<tool_call|><|tool_response>");
  EXPECT_EQ(d.content, "");
  EXPECT_THAT(d.tool_calls,
              ElementsAre(Call("get_weather", R"({"city":"Paris"})"),
                          Call("now", "{}")));
}

TEST(ChatOutputParserTest, MalformedToolCallIsKeptAsText) {
  ChatDelta d = ChatOutputParser::ParseAll(
      "a<|tool_call>call:f{x:<|\"|>oops}<tool_call|>b");
  EXPECT_THAT(d.tool_calls, IsEmpty());
  EXPECT_EQ(d.content, "a<|tool_call>call:f{x:<|\"|>oops}<tool_call|>b");
  // Unterminated at the end: returned as text too.
  d = ChatOutputParser::ParseAll("x<|tool_call>call:f{a:1");
  EXPECT_EQ(d.content, "x<|tool_call>call:f{a:1");
}

TEST(ChatOutputParserTest, IncompleteMarkerAtTheEndIsText) {
  EXPECT_EQ(ChatOutputParser::ParseAll("a <tur").content, "a <tur");
}

// Streaming: every split of the text gives the same channels as one piece,
// and no delta ever contains part of a marker.
TEST(ChatOutputParserTest, AnySplitGivesTheSameResult) {
  const std::string text =
      "<|channel>thought\nstep 1\n step 2 \n<channel|>Answer: "
      "<|tool_call>call:f{a:[1,2]}<tool_call|> done<turn|>trailing";
  const ChatDelta whole = ChatOutputParser::ParseAll(text);
  EXPECT_EQ(whole.thought, "step 1\n step 2");
  EXPECT_EQ(whole.content, "Answer:  done");
  ASSERT_EQ(whole.tool_calls.size(), 1u);
  for (size_t piece = 1; piece <= 7; ++piece) {
    ChatOutputParser parser;
    ChatDelta joined;
    for (size_t i = 0; i < text.size(); i += piece) {
      ChatDelta d = parser.Feed(text.substr(i, piece));
      EXPECT_EQ(d.content.find('<'), std::string::npos) << d.content;
      EXPECT_EQ(d.thought.find('<'), std::string::npos) << d.thought;
      joined.Append(std::move(d));
    }
    joined.Append(parser.Finish());
    EXPECT_EQ(joined.thought, whole.thought) << "piece " << piece;
    EXPECT_EQ(joined.content, whole.content) << "piece " << piece;
    EXPECT_THAT(joined.tool_calls, ElementsAre(Call("f", R"({"a":[1,2]})")));
  }
}

TEST(ChatOutputParserTest, NothingAfterTheEnd) {
  ChatOutputParser parser;
  EXPECT_EQ(parser.Feed("hi<eos>").content, "hi");
  EXPECT_TRUE(parser.Feed("more").empty());
  EXPECT_TRUE(parser.Finish().empty());
}

}  // namespace
}  // namespace gemma::server
