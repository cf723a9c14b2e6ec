#include "tokenizer/chat_output_parser.h"

#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tokenizer/tool_call_syntax.h"

namespace gemma::tokenizer {
namespace {

using ::gemma::testing::StatusIs;

// Feeds `text` in chunks of `chunk` bytes and checks that the deltas add up
// to the final result.
ParsedChatOutput ParseInChunks(const std::string& text, size_t chunk,
                               bool start_in_thinking = false) {
  ChatOutputParser parser(start_in_thinking);
  std::string content, reasoning;
  std::vector<ParsedToolCall> calls;
  auto add = [&](const ChatOutputDelta& d) {
    content += d.content;
    reasoning += d.reasoning;
    calls.insert(calls.end(), d.tool_calls.begin(), d.tool_calls.end());
  };
  for (size_t i = 0; i < text.size(); i += chunk)
    add(parser.Push(text.substr(i, chunk)));
  add(parser.Finish());
  EXPECT_EQ(content, parser.result().content);
  EXPECT_EQ(reasoning, parser.result().reasoning);
  EXPECT_EQ(calls.size(), parser.result().tool_calls.size());
  return parser.result();
}

// The reply shapes of spec §6.5.8, parsed whole and in every chunk size.
TEST(ChatOutputParserTest, OutputShapes) {
  struct Case {
    std::string text;
    bool start_in_thinking;
    std::string content, reasoning, end_marker;
    size_t num_calls;
  };
  const std::vector<Case> cases = {
      {"Paris.<turn|>", false, "Paris.", "", "<turn|>", 0},
      {"<|channel>thought\n Think hard. \n<channel|>Paris.<turn|>", false,
       "Paris.", "Think hard.", "<turn|>", 0},
      {"<|channel>thought\n<channel|>Paris.<turn|>", false, "Paris.", "",
       "<turn|>", 0},
      {"more reasoning\n<channel|>It is 21.<turn|>", true, "It is 21.",
       "more reasoning", "<turn|>", 0},
      {"<|channel>thought\nneed tool<channel|><|tool_call>call:get_weather{"
       "city:<|\"|>Paris<|\"|>}<tool_call|><|tool_response>",
       false, "", "need tool", "<|tool_response>", 1},
      {"Answer<eos>ignored", false, "Answer", "", "<eos>", 0},
      {"no end marker", false, "no end marker", "", "", 0},
      {"a < b and <b>bold</b> <|not a marker", false,
       "a < b and <b>bold</b> <|not a marker", "", "", 0},
      // An incomplete marker at the very end is plain text.
      {"a <tur", false, "a <tur", "", "", 0},
      // A tool call whose string never closes is kept as text.
      {"a<|tool_call>call:f{x:<|\"|>oops}<tool_call|>b", false,
       "a<|tool_call>call:f{x:<|\"|>oops}<tool_call|>b", "", "", 0},
  };
  for (const Case& c : cases) {
    for (size_t chunk : {1, 2, 3, 5, 7, 1000}) {
      SCOPED_TRACE(c.text + " / chunk " + std::to_string(chunk));
      const ParsedChatOutput out =
          ParseInChunks(c.text, chunk, c.start_in_thinking);
      EXPECT_EQ(out.content, c.content);
      EXPECT_EQ(out.reasoning, c.reasoning);
      EXPECT_EQ(out.end_marker, c.end_marker);
      EXPECT_EQ(out.tool_calls.size(), c.num_calls);
    }
  }
}

TEST(ChatOutputParserTest, ToolCallsAreReportedWhenTheyClose) {
  ChatOutputParser parser;
  EXPECT_TRUE(parser.Push("<|tool_call>call:a{x:1}").tool_calls.empty());
  ChatOutputDelta d = parser.Push("<tool_call|><|tool_call>call:b{");
  ASSERT_EQ(d.tool_calls.size(), 1u);
  EXPECT_EQ(d.tool_calls[0].name, "a");
  EXPECT_EQ(d.tool_calls[0].ArgumentsJson(), R"({"x":1})");
  d = parser.Push("y:[1.5,true,null,<|\"|>s, \"q\"<|\"|>]}<tool_call|>");
  ASSERT_EQ(d.tool_calls.size(), 1u);
  EXPECT_EQ(d.tool_calls[0].name, "b");
  EXPECT_EQ(d.tool_calls[0].ArgumentsJson(),
            R"({"y":[1.5,true,null,"s, \"q\""]})");
  d = parser.Push("<|tool_response>");
  EXPECT_TRUE(d.finished);
  EXPECT_TRUE(parser.finished());
  EXPECT_EQ(parser.Push("after").content, "");
}

TEST(ChatOutputParserTest, SeveralToolCallsThenToolResponse) {
  const ParsedChatOutput out = ParseChatOutput(
      "<|tool_call>call:get_weather{city:<|\"|>Paris<|\"|>}<tool_call|>"
      "<|tool_call>call:now{}<tool_call|><|tool_response>");
  EXPECT_EQ(out.content, "");
  EXPECT_EQ(out.end_marker, "<|tool_response>");
  ASSERT_EQ(out.tool_calls.size(), 2u);
  EXPECT_EQ(out.tool_calls[0].name, "get_weather");
  EXPECT_EQ(out.tool_calls[0].ArgumentsJson(), R"({"city":"Paris"})");
  EXPECT_EQ(out.tool_calls[1].name, "now");
  EXPECT_EQ(out.tool_calls[1].ArgumentsJson(), "{}");
}

// Every split of the text gives the same result as one piece, and no delta
// ever carries part of a marker (each delta is final).
TEST(ChatOutputParserTest, NoDeltaHoldsPartOfAMarker) {
  const std::string text =
      "<|channel>thought\nstep 1\n step 2 \n<channel|>Answer: "
      "<|tool_call>call:f{a:[1,2]}<tool_call|> done<turn|>trailing";
  const ParsedChatOutput whole = ParseChatOutput(text);
  EXPECT_EQ(whole.reasoning, "step 1\n step 2");
  EXPECT_EQ(whole.content, "Answer:  done");
  ASSERT_EQ(whole.tool_calls.size(), 1u);
  EXPECT_EQ(whole.tool_calls[0].ArgumentsJson(), R"({"a":[1,2]})");
  for (size_t piece = 1; piece <= 7; ++piece) {
    SCOPED_TRACE("piece " + std::to_string(piece));
    ChatOutputParser parser;
    for (size_t i = 0; i < text.size(); i += piece) {
      const ChatOutputDelta d = parser.Push(text.substr(i, piece));
      EXPECT_EQ(d.content.find('<'), std::string::npos) << d.content;
      EXPECT_EQ(d.reasoning.find('<'), std::string::npos) << d.reasoning;
    }
    EXPECT_TRUE(parser.Finish().empty());
    EXPECT_EQ(parser.result().content, whole.content);
    EXPECT_EQ(parser.result().reasoning, whole.reasoning);
    ASSERT_EQ(parser.result().tool_calls.size(), 1u);
  }
}

// The model may emit any bytes inside a string: arguments that are not
// valid UTF-8 serialize with U+FFFD in place of each bad byte, never throw.
TEST(ChatOutputParserTest, InvalidUtf8InToolCallArguments) {
  const std::string text =
      "<|tool_call>call:say{text:<|\"|>caf\xC3 \xFF!<|\"|>,"
      "\xFEkey:1}<tool_call|>ok<turn|>";
  const ParsedChatOutput out = ParseChatOutput(text);
  ASSERT_EQ(out.tool_calls.size(), 1u);
  EXPECT_EQ(out.tool_calls[0].name, "say");
  const std::string json = out.tool_calls[0].ArgumentsJson();
  EXPECT_EQ(json,
            "{\"text\":\"caf\xEF\xBF\xBD \xEF\xBF\xBD!\","
            "\"\xEF\xBF\xBDkey\":1}");
  EXPECT_EQ(out.content, "ok");
  // The result is valid JSON again.
  EXPECT_FALSE(OrderedJson::parse(json, nullptr, false).is_discarded());
  // Streamed byte by byte: the same call.
  const ParsedChatOutput streamed = ParseInChunks(text, 1);
  ASSERT_EQ(streamed.tool_calls.size(), 1u);
  EXPECT_EQ(streamed.tool_calls[0].ArgumentsJson(), json);
}

TEST(ChatOutputParserTest, ReasoningNeverLeaksIntoContent) {
  const ParsedChatOutput out = ParseChatOutput(
      "<|channel>thought\nfirst<channel|>A<|channel>thought\nsecond<channel|>"
      "B");
  EXPECT_EQ(out.content, "AB");
  EXPECT_EQ(out.reasoning, "first\nsecond");
  // Unterminated channel at the end of the stream stays reasoning.
  const ParsedChatOutput open =
      ParseChatOutput("X<|channel>thought\nstill thinking  ");
  EXPECT_EQ(open.content, "X");
  EXPECT_EQ(open.reasoning, "still thinking");
}

TEST(ChatOutputParserTest, BrokenToolCallIsKeptAsText) {
  const ParsedChatOutput out =
      ParseChatOutput("<|tool_call>call:f{x:<tool_call|>ok");
  EXPECT_TRUE(out.tool_calls.empty());
  EXPECT_EQ(out.content, "<|tool_call>call:f{x:<tool_call|>ok");
  const ParsedChatOutput cut = ParseChatOutput("<|tool_call>call:f{x:1");
  EXPECT_EQ(cut.content, "<|tool_call>call:f{x:1");
}

// Random mixes of markers and text, fed in random chunk sizes: the parser
// never fails, the streamed deltas always add up to the result, and no
// channel marker leaks into the answer.
TEST(ChatOutputParserTest, RandomStreamsAreConsistent) {
  const std::vector<std::string> atoms = {"<|channel>",
                                          "thought\n",
                                          "<channel|>",
                                          "<|tool_call>",
                                          "call:f{a:1}",
                                          "call:g{s:<|\"|>x<|\"|>}",
                                          "<tool_call|>",
                                          "<turn|>",
                                          "<eos>",
                                          " ",
                                          "text",
                                          "\n",
                                          "<",
                                          "<|",
                                          "<|tool",
                                          "}",
                                          "{",
                                          "<|\"|>",
                                          "é"};
  std::mt19937 rng(42);
  for (int trial = 0; trial < 3000; ++trial) {
    std::string text;
    const int n = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) text += atoms[rng() % atoms.size()];
    const size_t chunk = 1 + rng() % 6;
    SCOPED_TRACE(text);
    const ParsedChatOutput streamed =
        ParseInChunks(text, chunk, rng() % 2 == 0);
    // (A broken tool call is kept verbatim and may contain anything.)
    if (streamed.content.find("<|tool_call>") == std::string::npos) {
      EXPECT_EQ(streamed.content.find("<|channel>"), std::string::npos);
      EXPECT_EQ(streamed.content.find("<channel|>"), std::string::npos);
    }
    if (::testing::Test::HasFailure()) break;
  }
}

TEST(ToolCallSyntaxTest, RoundTripsTheTemplateValueSyntax) {
  ASSERT_OK_AND_ASSIGN(
      ParsedToolCall call,
      ParseToolCallText(
          "call:get_weather{city:<|\"|>Paris<|\"|>,unit:<|\"|>C<|\"|>}"));
  EXPECT_EQ(call.name, "get_weather");
  EXPECT_EQ(call.ArgumentsJson(), R"({"city":"Paris","unit":"C"})");
  ASSERT_OK_AND_ASSIGN(
      OrderedJson v,
      ParseGemmaValue("{a:21,b:21.0,c:1e-05,d:-3,e:{<|\"|>k<|\"|>:[]},"
                      "f:None,g:True}"));
  EXPECT_EQ(
      v.dump(),
      R"({"a":21,"b":21.0,"c":1e-05,"d":-3,"e":{"k":[]},"f":null,"g":true})");
  EXPECT_TRUE(v["a"].is_number_integer());
  EXPECT_TRUE(v["b"].is_number_float());
  ASSERT_OK_AND_ASSIGN(ParsedToolCall empty, ParseToolCallText("call:ping{}"));
  EXPECT_EQ(empty.ArgumentsJson(), "{}");
}

TEST(ToolCallSyntaxTest, KeepsKeyOrderEscapesAndBareWords) {
  ASSERT_OK_AND_ASSIGN(
      OrderedJson v,
      ParseGemmaValue("{z:1.5,a:[true,false,null,None],"
                      "m:{<|\"|>k<|\"|>:<|\"|>say \"hi\"<|\"|>},e:1e-05,"
                      "unit:celsius}"));
  // Keys in the model's order, not sorted; quotes inside strings escaped; a
  // bare word the model left unquoted kept as a string.
  EXPECT_EQ(v.dump(),
            R"({"z":1.5,"a":[true,false,null,null],"m":{"k":"say \"hi\""},)"
            R"("e":1e-05,"unit":"celsius"})");
  ASSERT_OK_AND_ASSIGN(OrderedJson empty, ParseGemmaValue("{}"));
  EXPECT_EQ(empty.dump(), "{}");
}

TEST(ToolCallSyntaxTest, ErrorsSayWhere) {
  EXPECT_THAT(ParseToolCallText("get{}"),
              StatusIs(absl::StatusCode::kInvalidArgument, "call:NAME"));
  EXPECT_THAT(ParseToolCallText("call:{}"),
              StatusIs(absl::StatusCode::kInvalidArgument, "name"));
  EXPECT_THAT(ParseToolCallText("call:f{a:<|\"|>x}"),
              StatusIs(absl::StatusCode::kInvalidArgument, "unterminated"));
  EXPECT_THAT(
      ParseToolCallText("call:f{a:1"),
      StatusIs(absl::StatusCode::kInvalidArgument, "unterminated mapping"));
  EXPECT_THAT(ParseGemmaValue("[1,2] extra"),
              StatusIs(absl::StatusCode::kInvalidArgument, "after the value"));
  EXPECT_THAT(ParseGemmaValue("{a:<|\"|>open"),
              StatusIs(absl::StatusCode::kInvalidArgument, "unterminated"));
  std::string deep(100, '[');
  EXPECT_THAT(ParseGemmaValue(deep),
              StatusIs(absl::StatusCode::kInvalidArgument, "deep"));
}

}  // namespace
}  // namespace gemma::tokenizer
