#include "tokenizer/media_prompt.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/npy.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"
#include "tests/tokenizer/golden_cases.h"
#include "tokenizer/tokenizer.h"

namespace gemma::tokenizer {
namespace {

using ::gemma::testing::GoldenPath;
using ::gemma::testing::ReadNpy;
using ::gemma::testing::StatusIs;
using ::testing::ElementsAreArray;

std::vector<int> NpyInts(const std::string& path) {
  absl::StatusOr<::gemma::testing::NpyArray> a = ReadNpy(path);
  EXPECT_OK(a.status()) << path;
  if (!a.ok()) return {};
  const std::vector<int32_t> v = a->ToInts();
  return std::vector<int>(v.begin(), v.end());
}

std::vector<int> Flatten(const std::vector<std::vector<int>>& v) {
  std::vector<int> out;
  for (const auto& x : v) out.insert(out.end(), x.begin(), x.end());
  return out;
}

// Hugging Face placement: each image gets its own soft-token count.
TEST(MediaPromptTest, HuggingFaceImagePromptsOfTheVisionCases) {
  for (const std::string name : {"e2b_vision", "dense_vision"}) {
    ASSERT_OK_AND_ASSIGN(auto tok,
                         Tokenizer::FromModelDir(GoldenPath(name + "/hf")));
    const nlohmann::json expected =
        ReadJsonFile(GoldenPath(name + "/hfpipe_expected.json"));
    ASSERT_FALSE(expected["prompts"].empty());
    for (const nlohmann::json& p : expected["prompts"]) {
      SCOPED_TRACE(name + ": " + p["text"].get<std::string>());
      MediaItem image;
      image.num_tokens = p["num_soft_tokens"].get<int>();
      ASSERT_OK_AND_ASSIGN(
          MediaPrompt prompt,
          TokenizeWithMedia(*tok, p["text"].get<std::string>(), {image}));
      EXPECT_THAT(prompt.token_ids,
                  ElementsAreArray(p["token_ids"].get<std::vector<int>>()));
      ASSERT_EQ(prompt.soft_token_positions.size(), 1u);
      EXPECT_THAT(
          prompt.soft_token_positions[0],
          ElementsAreArray(p["vision_indices"].get<std::vector<int>>()));
      // The expanded text tokenizes to the same ids (after <bos>).
      std::vector<int> whole = {tok->special_ids().bos};
      for (int id : tok->Encode(p["expanded_text"].get<std::string>())) {
        whole.push_back(id);
      }
      EXPECT_EQ(prompt.token_ids, whole);
      // And the generated continuation detokenizes as keras-hub's
      // postprocess does.
      ASSERT_OK_AND_ASSIGN(
          std::string text,
          tok->Decode(tok->StripForPostprocess(
              p["iterated_forward_new_token_ids"].get<std::vector<int>>())));
      EXPECT_EQ(text, p["iterated_forward_new_text"].get<std::string>());
    }
  }
}

// keras-hub placement: a fixed number of placeholders per image.
TEST(MediaPromptTest, KerasHubImagePromptsOfTheVisionCase) {
  ASSERT_OK_AND_ASSIGN(auto tok,
                       Tokenizer::FromModelDir(GoldenPath("e2b_vision/keras")));
  const nlohmann::json expected =
      ReadJsonFile(GoldenPath("e2b_vision/expected.json"));
  int checked = 0;
  for (const nlohmann::json& p : expected["prompts"]) {
    if (p.value("layout", "") != "keras_hub") continue;
    const int index = p["index"].get<int>();
    SCOPED_TRACE(p["text"].get<std::string>());
    const int num_images = static_cast<int>(p["images"].size());
    std::vector<MediaItem> items(num_images);
    for (MediaItem& item : items) {
      item.num_tokens = p["num_image_placeholders"].get<int>() / num_images;
    }
    ASSERT_OK_AND_ASSIGN(
        MediaPrompt prompt,
        TokenizeWithMedia(*tok, p["text"].get<std::string>(), items));
    const std::string prefix =
        GoldenPath("e2b_vision/prompt" + std::to_string(index));
    EXPECT_EQ(prompt.token_ids, NpyInts(prefix + "_token_ids.npy"));
    EXPECT_EQ(Flatten(prompt.soft_token_positions),
              NpyInts(prefix + "_vision_indices.npy"));
    ASSERT_OK_AND_ASSIGN(
        std::string text,
        tok->Decode(tok->StripForPostprocess(
            p["generated_new_token_ids"].get<std::vector<int>>())));
    EXPECT_EQ(text, p["generated_new_text"].get<std::string>());
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

TEST(MediaPromptTest, AudioPromptsOfTheAudioCase) {
  ASSERT_OK_AND_ASSIGN(auto tok,
                       Tokenizer::FromModelDir(GoldenPath("e2b_audio/keras")));
  const nlohmann::json expected =
      ReadJsonFile(GoldenPath("e2b_audio/expected.json"));
  ASSERT_FALSE(expected["prompts"].empty());
  for (const nlohmann::json& p : expected["prompts"]) {
    SCOPED_TRACE(p["text"].get<std::string>());
    MediaItem audio;
    audio.kind = MediaKind::kAudio;
    audio.num_tokens = p["num_audio_placeholders"].get<int>();
    ASSERT_OK_AND_ASSIGN(
        MediaPrompt prompt,
        TokenizeWithMedia(*tok, p["text"].get<std::string>(), {audio}));
    const std::string prefix =
        GoldenPath("e2b_audio/prompt" + std::to_string(p["index"].get<int>()));
    EXPECT_EQ(prompt.token_ids, NpyInts(prefix + "_token_ids.npy"));
    EXPECT_EQ(Flatten(prompt.soft_token_positions),
              NpyInts(prefix + "_audio_indices.npy"));
    ASSERT_OK_AND_ASSIGN(
        std::string text,
        tok->Decode(tok->StripForPostprocess(
            p["generated_new_token_ids"].get<std::vector<int>>(),
            /*strip_audio_tokens=*/true)));
    EXPECT_EQ(text, p["generated_new_text"].get<std::string>());
  }
}

// Text prompts of the text cases: BOS + ids, and keras-hub's postprocess of
// the generated ids. These presets have no audio converter, so generated
// audio tokens stay in the text (one prompt generates <|audio|>).
TEST(MediaPromptTest, TextPromptsAndPostprocessOfTheTextCases) {
  for (const std::string& name : GoldenCaseNames()) {
    ASSERT_OK_AND_ASSIGN(auto tok,
                         Tokenizer::FromModelDir(GoldenPath(name + "/keras")));
    const nlohmann::json expected =
        ReadJsonFile(GoldenPath(name + "/expected.json"));
    for (const nlohmann::json& p : expected["prompts"]) {
      SCOPED_TRACE(name + ": " + p["text"].get<std::string>());
      ASSERT_OK_AND_ASSIGN(
          MediaPrompt prompt,
          TokenizeWithMedia(*tok, p["text"].get<std::string>(), {}));
      EXPECT_EQ(prompt.token_ids, p["token_ids"].get<std::vector<int>>());
      EXPECT_EQ(prompt.token_ids,
                NpyInts(GoldenPath(name + "/prompt" +
                                   std::to_string(p["index"].get<int>()) +
                                   "_token_ids.npy")));
      ASSERT_OK_AND_ASSIGN(
          std::string text,
          tok->Decode(tok->StripForPostprocess(
              p["generated_new_token_ids"].get<std::vector<int>>(),
              /*strip_audio_tokens=*/false)));
      EXPECT_EQ(text, p["generated_new_text"].get<std::string>());
    }
  }
}

TEST(MediaPromptTest, VideoFramesWithTimestamps) {
  ASSERT_OK_AND_ASSIGN(auto tok,
                       Tokenizer::FromModelDir(GoldenPath("e2b_like/hf")));
  MediaItem video;
  video.kind = MediaKind::kVideo;
  video.frame_timestamps = {"00:00", "00:02"};
  video.tokens_per_frame = 2;
  ASSERT_OK_AND_ASSIGN(MediaPrompt prompt,
                       TokenizeWithMedia(*tok, "Clip: <|video|> ok", {video},
                                         /*add_bos=*/false));
  EXPECT_EQ(prompt.token_ids,
            tok->Encode("Clip: 00:00 <|image><|video|><|video|><image|> 00:02 "
                        "<|image><|video|><|video|><image|> ok"));
  ASSERT_EQ(prompt.soft_token_positions.size(), 1u);
  ASSERT_EQ(prompt.soft_token_positions[0].size(), 4u);
  for (int pos : prompt.soft_token_positions[0]) {
    EXPECT_EQ(prompt.token_ids[pos], tok->special_ids().video_placeholder);
  }
}

TEST(MediaPromptTest, MismatchesAreReported) {
  ASSERT_OK_AND_ASSIGN(auto tok,
                       Tokenizer::FromModelDir(GoldenPath("e2b_like/hf")));
  MediaItem image;
  image.num_tokens = 3;
  EXPECT_THAT(TokenizeWithMedia(*tok, "no placeholder", {image}),
              StatusIs(absl::StatusCode::kInvalidArgument, "1 media items"));
  EXPECT_THAT(TokenizeWithMedia(*tok, "<|image|><|image|>", {image}),
              StatusIs(absl::StatusCode::kInvalidArgument, "more media"));
  EXPECT_THAT(TokenizeWithMedia(*tok, "<|audio|>", {image}),
              StatusIs(absl::StatusCode::kInvalidArgument, "is image"));
  image.num_tokens = 0;
  EXPECT_THAT(TokenizeWithMedia(*tok, "<|image|>", {image}),
              StatusIs(absl::StatusCode::kInvalidArgument, "positive"));
}

}  // namespace
}  // namespace gemma::tokenizer
