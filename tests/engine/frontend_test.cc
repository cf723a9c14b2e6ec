#include "engine/frontend.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "base/mapped_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/npy.h"
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

MediaBlob FileBlob(MediaBlob::Kind kind, const std::string& rel) {
  MediaBlob blob;
  blob.kind = kind;
  auto bytes = ReadFileToString(gemma::testing::GoldenPath(rel));
  EXPECT_OK(bytes.status());
  if (bytes.ok()) blob.bytes = *std::move(bytes);
  return blob;
}

std::vector<int32_t> NpyInts(const std::string& rel) {
  auto a = gemma::testing::ReadNpy(gemma::testing::GoldenPath(rel));
  EXPECT_OK(a.status());
  return a.ok() ? a->ToInts() : std::vector<int32_t>();
}

// The Hugging Face pipeline golden: an image gets exactly its real soft
// tokens (60 for image0 at a 70-token budget), pixels and positions as the
// HF image processor makes them.
TEST_F(FrontendTest, ImagePromptMatchesTheHfPipeline) {
  model::ModelConfig config = config_;
  config.vision.emplace();
  config.vision->default_soft_tokens = 70;
  ASSERT_OK_AND_ASSIGN(auto fe, Frontend::Create(tok_.get(), config));
  auto text = ReadFileToString(
      gemma::testing::GoldenPath("e2b_vision/hfpipe_expected.json"));
  ASSERT_OK(text.status());
  const nlohmann::json hf = nlohmann::json::parse(*text);
  for (int i = 0; i < 2; ++i) {
    const nlohmann::json& p = hf["prompts"][i];
    const std::string image = p["image"];
    ASSERT_OK_AND_ASSIGN(PromptInput in,
                         fe->FromText(p["text"].get<std::string>(),
                                      {FileBlob(MediaBlob::Kind::kImage,
                                                "media/" + image + ".png")}));
    EXPECT_EQ(in.token_ids, NpyInts("e2b_vision/hfpipe_prompt" +
                                    std::to_string(i) + "_token_ids.npy"));
    ASSERT_EQ(in.media.size(), 1u);
    const MediaInput& m = in.media[0];
    EXPECT_EQ(m.kind, MediaInput::Kind::kImage);
    EXPECT_EQ(m.num_soft_tokens, 60);
    EXPECT_EQ(in.token_ids[m.first_token_index - 1],
              tok_->special_ids().image_start);
    EXPECT_EQ(in.token_ids[m.first_token_index],
              tok_->special_ids().image_placeholder);
    EXPECT_EQ(in.token_ids[m.first_token_index + 60],
              tok_->special_ids().image_end);
    EXPECT_EQ(m.rows, 630);
    EXPECT_EQ(m.positions, NpyInts("e2b_vision/hfpipe_" + image +
                                   "_pixel_position_ids.npy"));
    auto pixels = gemma::testing::ReadNpy(gemma::testing::GoldenPath(
        "e2b_vision/hfpipe_" + image + "_pixel_values.npy"));
    ASSERT_OK(pixels.status());
    std::vector<float> want = pixels->ToFloats();
    ASSERT_EQ(m.features.size(), want.size());
    float max_diff = 0;
    for (size_t j = 0; j < want.size(); ++j) {
      max_diff = std::max(max_diff, std::abs(m.features[j] - want[j]));
    }
    // Both are the correctly rounded u8/255 of the same Pillow resize.
    EXPECT_LE(max_diff, 1e-6f);
    EXPECT_EQ(m.content_hash.size(), 64u);
  }
}

// keras-hub's audio prompts (e2b_audio): N = ceil(valid frames / 4) with
// keras-hub's frame rule; the HF rule gives one token fewer for audio1.
TEST_F(FrontendTest, AudioPromptTokenCounts) {
  model::ModelConfig config = config_;
  config.audio.emplace();
  FrontendOptions kh;
  kh.audio_convention = preprocess::AudioFeatureConvention::kKerasHub;
  ASSERT_OK_AND_ASSIGN(auto fe_kh, Frontend::Create(tok_.get(), config, kh));
  ASSERT_OK_AND_ASSIGN(auto fe_hf, Frontend::Create(tok_.get(), config));
  auto text =
      ReadFileToString(gemma::testing::GoldenPath("e2b_audio/expected.json"));
  ASSERT_OK(text.status());
  const nlohmann::json ex = nlohmann::json::parse(*text);
  const int hf_tokens[] = {33, 9};
  for (int i = 0; i < 2; ++i) {
    const nlohmann::json& p = ex["prompts"][i];
    const std::string clip = p["audio"];
    MediaBlob blob =
        FileBlob(MediaBlob::Kind::kAudio, "media/" + clip + ".wav");
    ASSERT_OK_AND_ASSIGN(PromptInput in,
                         fe_kh->FromText(p["text"].get<std::string>(), {blob}));
    EXPECT_EQ(in.token_ids, NpyInts("e2b_audio/prompt" + std::to_string(i) +
                                    "_token_ids.npy"));
    ASSERT_EQ(in.media.size(), 1u);
    EXPECT_EQ(in.media[0].num_soft_tokens,
              p["num_audio_placeholders"].get<int>());
    EXPECT_EQ(in.media[0].rows * 128,
              static_cast<int>(in.media[0].features.size()));
    ASSERT_OK_AND_ASSIGN(PromptInput hf_in,
                         fe_hf->FromText(p["text"].get<std::string>(), {blob}));
    EXPECT_EQ(hf_in.media[0].num_soft_tokens, hf_tokens[i]);
  }
}

TEST_F(FrontendTest, ChatImagePartTakesTheMediaItem) {
  model::ModelConfig config = config_;
  config.vision.emplace();
  config.vision->default_soft_tokens = 70;
  ASSERT_OK_AND_ASSIGN(auto fe, Frontend::Create(tok_.get(), config));
  tokenizer::ChatRequest chat;
  tokenizer::ChatMessage m;
  m.role = "user";
  m.content.kind = tokenizer::MessageContent::Kind::kParts;
  m.content.parts.push_back(tokenizer::ContentPart::Media("image"));
  m.content.parts.push_back(tokenizer::ContentPart::Text("What is it?"));
  chat.messages.push_back(m);
  ASSERT_OK_AND_ASSIGN(PromptInput in,
                       fe->FromChat(chat, {FileBlob(MediaBlob::Kind::kImage,
                                                    "media/image0.png")}));
  EXPECT_TRUE(in.is_chat);
  ASSERT_EQ(in.media.size(), 1u);
  EXPECT_EQ(in.media[0].num_soft_tokens, 60);
  // Without the image the placeholder has nothing to fill.
  EXPECT_THAT(fe->FromChat(chat),
              StatusIs(StatusCode::kInvalidArgument, "no image attached"));
}

TEST_F(FrontendTest, MediaErrorsAreClear) {
  // No placeholder without media.
  EXPECT_THAT(fe_->FromText("Look: <|image|>"),
              StatusIs(StatusCode::kInvalidArgument, "no image attached"));
  MediaBlob png = FileBlob(MediaBlob::Kind::kImage, "media/image0.png");
  // This model (no vision config) takes no images.
  EXPECT_THAT(fe_->FromText("Look: <|image|>", {png}),
              StatusIs(StatusCode::kInvalidArgument, "no vision tower"));
  model::ModelConfig config = config_;
  config.vision.emplace();
  config.vision->default_soft_tokens = 70;
  ASSERT_OK_AND_ASSIGN(auto fe, Frontend::Create(tok_.get(), config));
  EXPECT_THAT(fe->FromText("Look", {png}),
              StatusIs(StatusCode::kInvalidArgument, "has no placeholder"));
  EXPECT_THAT(fe->FromText("Hear <|audio|>", {png}),
              StatusIs(StatusCode::kInvalidArgument, "media item 0 is image"));
  MediaBlob junk;
  junk.bytes = "not an image";
  EXPECT_THAT(fe->FromText("<|image|>", {junk}),
              StatusIs(StatusCode::kInvalidArgument, "media item 0 (image)"));
  MediaBlob video;
  video.kind = MediaBlob::Kind::kVideo;
  EXPECT_THAT(fe->FromText("<|video|>", {video}),
              StatusIs(StatusCode::kInvalidArgument, "video"));
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
