// End-to-end tests of the gemma4 binary: its output is compared with the
// keras-hub goldens (tokenizer cases, prompt ids, generated ids and text).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/tools/cli_runner.h"

namespace gemma::tools {
namespace {

using ::testing::HasSubstr;

TEST_F(CliTest, TokenizeMatchesTheTokenizerCases) {
  const Json cases = ReadJson(Golden("e2b_like/tokenizer_cases.json"));
  ASSERT_GE(cases.size(), 10u);
  for (const std::string model : {"e2b_like/hf", "e2b_like/keras"}) {
    for (const Json& c : cases) {
      CliResult r = Run({"tokenize", "--model", Golden(model), "--text",
                         c["text"].get<std::string>(), "--format", "json"});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      Json out = Json::parse(r.out);
      EXPECT_EQ(out["token_ids"], c["token_ids"]) << model << ": " << c["text"];
      EXPECT_EQ(out["pieces"], c["pieces"]) << model << ": " << c["text"];
    }
  }
}

TEST_F(CliTest, DetokenizeMatchesTheTokenizerCases) {
  const Json cases = ReadJson(Golden("e2b_like/tokenizer_cases.json"));
  for (const Json& c : cases) {
    std::vector<std::string> ids;
    for (const Json& id : c["token_ids"]) ids.push_back(id.dump());
    if (ids.empty()) continue;
    CliResult r = Run({"detokenize", "--model", Golden("e2b_like/hf"), "--ids",
                       absl::StrJoin(ids, ","), "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(Json::parse(r.out)["text"], c["detokenized"]) << c["text"];
  }
}

TEST_F(CliTest, RenderWorkedExample) {
  const Json expected = ReadJson(Golden("e2b_like/expected.json"));
  const Json& p0 = expected["prompts"][0];
  const std::string chat = tmp_ + "/chat.json";
  WriteFile(chat, R"({"messages": [{"role": "user",
      "content": "What is the capital of France?"}]})");
  CliResult r =
      Run({"render", "--model", Golden("e2b_like/hf"), "--chat", chat});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "<bos>" + p0["text"].get<std::string>());
  r = Run({"render", "--model", Golden("e2b_like/hf"), "--chat", chat,
           "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Json::parse(r.out)["token_ids"], p0["token_ids"]);
  // The large template pre-fills an empty thought channel.
  r = Run({"render", "--model", Golden("e2b_like/hf"), "--chat", chat,
           "--chat-template", "large"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "<bos>" + p0["text"].get<std::string>() +
                       "<|channel>thought\n<channel|>");
  // Thinking on: the system turn carries <|think|>.
  r = Run({"render", "--model", Golden("e2b_like/hf"), "--chat", chat,
           "--thinking"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("<|turn>system\n<|think|>"));
}

// keras-hub's greedy generate on token ids (stop_token_ids=None,
// max_length = T + 16), for each golden model and prompt.
TEST_F(CliTest, GenerateMatchesKerasHubGreedy) {
  for (const std::string model : {"e2b_like", "moe_like", "dense_like"}) {
    const Json expected = ReadJson(Golden(model + "/expected.json"));
    for (const Json& p : expected["prompts"]) {
      std::vector<std::string> ids;
      for (const Json& id : p["token_ids"]) ids.push_back(id.dump());
      const size_t n =
          p["token_ids"].size() + p["generated_new_token_ids"].size();
      CliResult r = Run({"generate", "--model", Golden(model + "/hf"),
                         "--token-ids", absl::StrJoin(ids, ","), "--max-length",
                         std::to_string(n), "--stop-token-ids", "none",
                         "--format", "json", "--threads", "2"});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      Json out = Json::parse(r.out);
      Json all = p["token_ids"];
      for (const Json& id : p["generated_new_token_ids"]) all.push_back(id);
      EXPECT_EQ(out["token_ids"], all) << model << " prompt " << p["index"];
      EXPECT_EQ(out["text"], p["generated_new_text"])
          << model << " prompt " << p["index"];
      EXPECT_EQ(out["finish_reason"], "length");
    }
  }
}

TEST_F(CliTest, GenerateFromPromptTextStripPromptAndStopString) {
  const Json expected = ReadJson(Golden("e2b_like/expected.json"));
  const Json& p1 = expected["prompts"][1];
  // The text prompt gets BOS prepended: same ids as the golden prompt.
  CliResult r =
      Run({"generate", "--model", Golden("e2b_like/hf"), "--prompt",
           p1["text"].get<std::string>(), "--max-new-tokens", "16",
           "--stop-token-ids", "none", "--strip-prompt", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json out = Json::parse(r.out);
  EXPECT_EQ(out["token_ids"], p1["generated_new_token_ids"]);
  // A stop string cuts the text before it.
  const std::string full = p1["generated_new_text"];
  r = Run({"generate", "--model", Golden("e2b_like/hf"), "--prompt",
           p1["text"].get<std::string>(), "--max-new-tokens", "16",
           "--stop-token-ids", "none", "--stop", "====", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  out = Json::parse(r.out);
  EXPECT_EQ(out["finish_reason"], "stop_string");
  EXPECT_EQ(out["text"], full.substr(0, full.find("====")));
  // Text format streams the same text.
  r = Run({"generate", "--model", Golden("e2b_like/hf"), "--prompt",
           p1["text"].get<std::string>(), "--max-new-tokens", "16",
           "--stop-token-ids", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, full + "\n");
}

// Image prompts end to end (Hugging Face placement): the same tokens as the
// iterated full forward pass of the e2b_vision golden.
TEST_F(CliTest, GenerateImagePromptMatchesTheHfPipeline) {
  const Json hf = ReadJson(Golden("e2b_vision/hfpipe_expected.json"));
  for (int i = 0; i < 2; ++i) {
    const Json& p = hf["prompts"][i];
    CliResult r =
        Run({"generate", "--model", Golden("e2b_vision/hf"), "--prompt",
             p["text"].get<std::string>(), "--image",
             Golden("media/" + p["image"].get<std::string>() + ".png"),
             "--max-new-tokens", "12", "--stop-token-ids", "none", "--format",
             "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::vector<int32_t> want =
        ReadIntNpy(Golden("e2b_vision/hfpipe_prompt" + std::to_string(i) +
                          "_iterated_forward_argmax_token_ids.npy"));
    ASSERT_FALSE(want.empty());
    EXPECT_EQ(Json::parse(r.out)["token_ids"], Json(want)) << "prompt " << i;
  }
  // A text-only model refuses images before any work.
  CliResult r = Run({"generate", "--model", Golden("e2b_like/hf"), "--prompt",
                     "<|image|>", "--image", Golden("media/image0.png")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("no vision tower"));
}

// Audio prompts from WAV with keras-hub's feature convention: keras-hub's
// greedy generate (which equals its iterated full forward, README).
TEST_F(CliTest, GenerateAudioPromptMatchesKerasHub) {
  const Json expected = ReadJson(Golden("e2b_audio/expected.json"));
  for (int i = 0; i < 2; ++i) {
    const Json& p = expected["prompts"][i];
    const std::vector<int32_t> want = ReadIntNpy(Golden(
        "e2b_audio/prompt" + std::to_string(i) + "_generate_token_ids.npy"));
    ASSERT_FALSE(want.empty());
    CliResult r =
        Run({"generate", "--model", Golden("e2b_audio/hf"), "--prompt",
             p["text"].get<std::string>(), "--audio",
             Golden("media/" + p["audio"].get<std::string>() + ".wav"),
             "--audio-features", "keras-hub", "--max-new-tokens",
             std::to_string(p["generated_new_token_ids"].size()),
             "--stop-token-ids", "none", "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(Json::parse(r.out)["token_ids"], Json(want)) << "prompt " << i;
  }
}

TEST_F(CliTest, SeededSamplingIsReproducible) {
  auto run = [&](const std::string& seed) {
    CliResult r =
        Run({"generate", "--model", Golden("e2b_like/hf"), "--prompt", "Hello",
             "--max-new-tokens", "12", "--stop-token-ids", "none", "--sampler",
             "top_k", "--k", "50", "--temperature", "2", "--seed", seed,
             "--format", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Json::parse(r.out)["token_ids"];
  };
  const Json a = run("7");
  EXPECT_EQ(a, run("7"));
  EXPECT_NE(a, run("8"));
}

TEST_F(CliTest, MakePresetRoundTrip) {
  for (const std::string layout : {"hf", "keras"}) {
    const std::string dir = tmp_ + "/preset_" + layout;
    CliResult r = Run({"make-preset", "--config", "tiny", "--seed", "5",
                       "--layout", layout, "--dtype", "bf16", "--out", dir});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = Run({"tokenize", "--model", dir, "--text", "Hello world", "--format",
             "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(Json::parse(r.out)["token_ids"],
              Json::parse("[727,661,361,663,299,282,502]"));
    r = Run({"generate", "--model", dir, "--prompt", "Hello",
             "--max-new-tokens", "4", "--stop-token-ids", "none", "--format",
             "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    Json out = Json::parse(r.out);
    // <bos>, "Hello" (H e ll o), then 4 generated ids.
    EXPECT_EQ(out["token_ids"].size(), 1u + 4u + 4u);
  }
}

TEST_F(CliTest, BadInputGivesClearErrors) {
  CliResult r =
      Run({"tokenize", "--model", Golden("e2b_like/hf"), "--txt", "x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown flag --txt"));
  r = Run({"tokenize", "--text", "x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--model is required"));
  r = Run({"detokenize", "--model", Golden("e2b_like/hf"), "--ids", "1,x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("'x' is not an integer"));
  r = Run({"generate", "--model", Golden("e2b_like/hf"), "--prompt", "a",
           "--token-ids", "2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("exactly one of"));
  r = Run({"generate", "--model", Golden("e2b_like/hf"), "--prompt", "a",
           "--sampler", "random", "--temperature", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("temperature"));
  r = Run({"generate", "--model", Golden("e2b_like/hf"), "--prompt", "a",
           "--max-length", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("shorter than the prompt"));
  r = Run(
      {"generate", "--model", Golden("e2b_like/hf"), "--token-ids", "2,99999"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("outside the vocabulary"));
  r = Run({"render", "--model", Golden("e2b_like/hf"), "--chat",
           tmp_ + "/missing.json"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("missing.json"));
  r = Run({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown command"));
}

}  // namespace
}  // namespace gemma::tools
