#include "tokenizer/chat_template.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"
#include "tests/tokenizer/golden_cases.h"
#include "tokenizer/chat_json.h"
#include "tokenizer/sha256.h"
#include "tokenizer/tokenizer.h"

namespace gemma::tokenizer {
namespace {

using ::gemma::testing::GoldenPath;
using ::gemma::testing::StatusIs;
using ::gemma::testing::TestDataDir;

// Every worked example of spec §6.5.11 (both sizes, thinking on and off)
// plus the smaller examples of §6.5.4/§6.5.5/§6.5.12, rendered byte for byte.
TEST(ChatTemplateTest, RendersTheWorkedExamplesExactly) {
  const OrderedJson examples = ReadJsonFile<OrderedJson>(
      TestDataDir() + "/tokenizer/chat_template_examples.json");
  ASSERT_GE(examples.size(), 20u);
  for (const OrderedJson& ex : examples) {
    SCOPED_TRACE(ex["name"].get<std::string>());
    ASSERT_OK_AND_ASSIGN(ChatRequest request,
                         ParseChatJsonValue(ex["request"]));
    const ChatTemplate tmpl(ex["variant"] == "large"
                                ? ChatTemplateVariant::kLarge
                                : ChatTemplateVariant::kSmall);
    ASSERT_OK_AND_ASSIGN(std::string prompt, tmpl.Render(request));
    EXPECT_EQ(prompt, ex["expected"].get<std::string>());
  }
}

// Randomized conversations (roles, content forms, tool calls and results,
// schemas, flags) rendered by Jinja2 3.1 with the verbatim template files of
// both sizes of revisions R5, R3 and R2, with the environment transformers
// uses (trim_blocks, lstrip_blocks). Where the template raised an error the
// renderer must fail too.
TEST(ChatTemplateTest, MatchesReferenceRenderingsOfTheTemplateFiles) {
  for (const char* file : {"chat_template_reference_renderings.json",
                           "chat_template_reference_renderings_r3.json",
                           "chat_template_reference_renderings_r2.json"}) {
    const OrderedJson cases =
        ReadJsonFile<OrderedJson>(TestDataDir() + "/tokenizer/" + file);
    ASSERT_GE(cases.size(), 300u) << file;
    int mismatches = 0;
    for (size_t i = 0; i < cases.size() && mismatches < 5; ++i) {
      const OrderedJson& c = cases[i];
      SCOPED_TRACE(::testing::Message()
                   << file << " case " << i << ": " << c["request"].dump());
      ASSERT_OK_AND_ASSIGN(ChatRequest request,
                           ParseChatJsonValue(c["request"]));
      const std::string rev = c["revision"].get<std::string>();
      const ChatTemplate tmpl(c["variant"] == "large"
                                  ? ChatTemplateVariant::kLarge
                                  : ChatTemplateVariant::kSmall,
                              rev == "r2"   ? ChatTemplateRevision::kR2
                              : rev == "r3" ? ChatTemplateRevision::kR3
                                            : ChatTemplateRevision::kR5);
      absl::StatusOr<std::string> prompt = tmpl.Render(request);
      if (c.contains("error")) {
        EXPECT_FALSE(prompt.ok()) << *prompt;
        if (prompt.ok()) ++mismatches;
        continue;
      }
      ASSERT_OK(prompt.status());
      if (*prompt != c["expected"].get<std::string>()) ++mismatches;
      EXPECT_EQ(*prompt, c["expected"].get<std::string>());
    }
  }
}

TEST(ChatTemplateTest, WithoutBosForKerasStyleEngines) {
  ChatRequest request;
  request.messages.push_back(
      ChatMessage::Text("user", "What is the capital of France?"));
  ChatRenderOptions options;
  options.include_bos = false;
  ASSERT_OK_AND_ASSIGN(
      std::string prompt,
      ChatTemplate(ChatTemplateVariant::kSmall).Render(request, options));
  EXPECT_EQ(
      prompt,
      "<|turn>user\nWhat is the capital of France?<turn|>\n<|turn>model\n");
}

TEST(ChatTemplateTest, MarkersTokenizeAsSingleIds) {
  ASSERT_OK_AND_ASSIGN(auto tok,
                       Tokenizer::FromModelDir(GoldenPath("e2b_like/hf")));
  ChatRequest request;
  request.messages.push_back(ChatMessage::Text("user", "Hi there!"));
  ChatRenderOptions options;
  options.include_bos = false;
  ASSERT_OK_AND_ASSIGN(
      std::string prompt,
      ChatTemplate(ChatTemplateVariant::kSmall).Render(request, options));
  // The fixture's tokenizer case 4 is exactly this prompt.
  const std::vector<TokenizerCase> cases = LoadTokenizerCases("e2b_like");
  EXPECT_EQ(prompt, cases[3].text);
  EXPECT_EQ(tok->Encode(prompt), cases[3].ids);
}

TEST(ChatTemplateTest, ToolCallArgumentsMustBeAnObject) {
  ChatRequest request;
  request.messages.push_back(ChatMessage::Text("user", "x"));
  ChatMessage call;
  call.role = "assistant";
  call.tool_calls.push_back(ToolCall{std::nullopt, "f", OrderedJson("{}")});
  request.messages.push_back(call);
  EXPECT_THAT(ChatTemplate(ChatTemplateVariant::kSmall).Render(request),
              StatusIs(absl::StatusCode::kInvalidArgument, "JSON object"));
  // null renders as {}.
  request.messages[1].tool_calls[0].arguments = nullptr;
  ASSERT_OK_AND_ASSIGN(
      std::string prompt,
      ChatTemplate(ChatTemplateVariant::kSmall).Render(request));
  EXPECT_THAT(prompt, ::testing::HasSubstr("<|tool_call>call:f{}<tool_call|>"));
}

TEST(ChatTemplateTest, ToolResultsInAllForms) {
  const std::string json = R"({"messages": [
    {"role": "user", "content": "go"},
    {"role": "assistant", "tool_calls": [
       {"id": "a", "function": {"name": "one", "arguments": {}}},
       {"id": "b", "function": {"name": "two", "arguments": {}}}]},
    {"role": "tool", "tool_call_id": "b", "content": 21.0},
    {"role": "tool", "tool_call_id": "zzz", "name": "named", "content": null},
    {"role": "tool", "tool_call_id": "a", "content": [
       {"type": "text", "text": " a "}, {"type": "image"}, {"type": "text", "text": "b"}]},
    {"role": "tool", "tool_call_id": "a", "content": {}}
  ]})";
  ASSERT_OK_AND_ASSIGN(ChatRequest request, ParseChatJson(json));
  ASSERT_OK_AND_ASSIGN(
      std::string prompt,
      ChatTemplate(ChatTemplateVariant::kSmall).Render(request));
  EXPECT_EQ(
      prompt,
      "<bos><|turn>user\ngo<turn|>\n<|turn>model\n"
      "<|tool_call>call:one{}<tool_call|><|tool_call>call:two{}<tool_call|>"
      "<|tool_response>response:two{value:21.0}<tool_response|>"
      "<|tool_response>response:named{value:null}<tool_response|>"
      "<|tool_response>response:one{value:<|\"|> a b<|\"|>}<tool_response|>"
      "<|image|>"
      "<|tool_response>response:one{value:<|\"|><|\"|>}<tool_response|>");
  // A non-empty mapping fails in the template; we report it.
  ASSERT_OK_AND_ASSIGN(ChatRequest bad,
                       ParseChatJson(R"([{"role": "user", "content": "go"},
        {"role": "assistant", "tool_calls": [{"function": {"name": "f"}}]},
        {"role": "tool", "content": {"temp": 21}}])"));
  EXPECT_THAT(ChatTemplate(ChatTemplateVariant::kSmall).Render(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, "JSON object"));
}

TEST(ChatTemplateTest, NativeToolResponsesAndReasoningGate) {
  const std::string json = R"({"messages": [
    {"role": "user", "content": "q"},
    {"role": "assistant", "reasoning": "r1", "tool_calls": [
       {"function": {"name": "f", "arguments": "{\"x\": [1, 2.5, true, null]}"}}],
     "tool_responses": [{"name": "f", "response": {"B": 1, "a": "s"}}]},
    {"role": "tool", "content": "dropped"},
    {"role": "assistant", "content": "done <|channel>leak"}
  ], "enable_thinking": true, "add_generation_prompt": false})";
  ASSERT_OK_AND_ASSIGN(ChatRequest request, ParseChatJson(json));
  ASSERT_OK_AND_ASSIGN(
      std::string prompt,
      ChatTemplate(ChatTemplateVariant::kLarge).Render(request));
  EXPECT_EQ(prompt,
            "<bos><|turn>system\n<|think|>\n<turn|>\n<|turn>user\nq<turn|>\n"
            "<|turn>model\n<|channel>thought\nr1\n<channel|>"
            "<|tool_call>call:f{x:[1,2.5,true,null]}<tool_call|>"
            "<|tool_response>response:f{a:<|\"|>s<|\"|>,B:1}<tool_response|>"
            "done<turn|>\n");
}

TEST(ChatTemplateTest, StripThinking) {
  EXPECT_EQ(StripThinking("<|channel>thought\nx<channel|>4"), "4");
  EXPECT_EQ(StripThinking(" a<|channel>t<channel|>b<|channel>open"), "ab");
  EXPECT_EQ(StripThinking("plain <channel|> text "), "plain  text");
}

TEST(ChatTemplateTest, PromptEndsInThoughtChannel) {
  EXPECT_TRUE(
      PromptEndsInThoughtChannel("…<tool_response|><|channel>thought\n"));
  EXPECT_FALSE(PromptEndsInThoughtChannel(
      "<|turn>model\n<|channel>thought\n<channel|>"));
  EXPECT_FALSE(PromptEndsInThoughtChannel("<|turn>model\n"));
}

TEST(ChatTemplateTest, VariantFromFamilyAndHash) {
  EXPECT_EQ(ChatTemplate::ForFamily("e2b").variant(),
            ChatTemplateVariant::kSmall);
  EXPECT_EQ(ChatTemplate::ForFamily("e4b").variant(),
            ChatTemplateVariant::kSmall);
  EXPECT_EQ(ChatTemplate::ForFamily("moe").variant(),
            ChatTemplateVariant::kLarge);
  EXPECT_EQ(ChatTemplate::ForFamily("dense").variant(),
            ChatTemplateVariant::kLarge);
  EXPECT_EQ(ChatTemplate::ForFamily("gemma-4-31B-it").variant(),
            ChatTemplateVariant::kLarge);
  // An unknown file falls back to the family and records its digest.
  const ChatTemplate t = ChatTemplate::FromJinjaText("{{ bos_token }}", "moe");
  EXPECT_EQ(t.variant(), ChatTemplateVariant::kLarge);
  EXPECT_EQ(t.revision(), ChatTemplateRevision::kUnknown);
  EXPECT_EQ(t.sha256(), Sha256Hex("{{ bos_token }}"));
  EXPECT_THAT(
      ChatTemplate::FromJinjaFile("/nonexistent/chat_template.jinja", "e2b"),
      StatusIs(absl::StatusCode::kNotFound));
}

TEST(ChatTemplateTest, FromModelDir) {
  // The fixture checkpoints ship no chat template: the family decides.
  ASSERT_OK_AND_ASSIGN(ChatTemplate t, ChatTemplate::FromModelDir(
                                           GoldenPath("moe_like/hf"), "moe"));
  EXPECT_EQ(t.variant(), ChatTemplateVariant::kLarge);
  EXPECT_EQ(t.revision(), ChatTemplateRevision::kR5);
  EXPECT_TRUE(t.sha256().empty());
  ASSERT_OK_AND_ASSIGN(
      t, ChatTemplate::FromModelDir(GoldenPath("e2b_like/hf"), "e2b"));
  EXPECT_EQ(t.variant(), ChatTemplateVariant::kSmall);
  // A template embedded in tokenizer_config.json (list form: "default").
  ASSERT_OK_AND_ASSIGN(
      t, ChatTemplate::FromModelDir(
             TestDataDir() + "/tokenizer/config_with_template", "31b"));
  EXPECT_EQ(t.sha256(), Sha256Hex("{{ bos_token }}"));
  EXPECT_EQ(t.revision(), ChatTemplateRevision::kUnknown);
  EXPECT_EQ(t.variant(), ChatTemplateVariant::kLarge);
  // A tokenizer_config.json that is not JSON is reported.
  EXPECT_THAT(
      ChatTemplate::FromModelDir(TestDataDir() + "/tokenizer/bad_config",
                                 "e2b"),
      StatusIs(absl::StatusCode::kInvalidArgument, "not a JSON object"));
}

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(
      Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(ChatJsonTest, ErrorsNameTheField) {
  EXPECT_THAT(ParseChatJson("nope"),
              StatusIs(absl::StatusCode::kInvalidArgument, "not valid JSON"));
  EXPECT_THAT(ParseChatJson(R"({"prompt": "x"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "messages"));
  EXPECT_THAT(ParseChatJson(R"([{"content": "x"}])"),
              StatusIs(absl::StatusCode::kInvalidArgument, "messages[0].role"));
  EXPECT_THAT(
      ParseChatJson(R"([{"role": "assistant", "tool_calls": [{"function":
          {"name": "f", "arguments": "{oops"}}]}])"),
      StatusIs(
          absl::StatusCode::kInvalidArgument,
          "messages[0].tool_calls[0].function.arguments is not valid JSON"));
  EXPECT_THAT(
      ParseChatJson(R"([{"role": "user", "content": {"a": 1}}])"),
      StatusIs(absl::StatusCode::kInvalidArgument, "messages[0].content"));
  EXPECT_THAT(
      ParseChatJson(R"({"messages": [], "tools": [{"function": {}}]})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "tools[0].function.name"));
  EXPECT_THAT(ParseChatJson(R"({"messages": [], "enable_thinking": "yes"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "enable_thinking"));
}

}  // namespace
}  // namespace gemma::tokenizer
