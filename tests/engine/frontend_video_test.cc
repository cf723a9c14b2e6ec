// The front end on video: frame sampling, the per-frame token layout with
// timestamps (checked against tokenizing the Hugging Face expansion of the
// prompt text in one piece), the per-frame features, and the limits.
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/frontend.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "preprocess/image_processor.h"
#include "tests/engine/video_fixtures.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"

namespace gemma::engine {
namespace {

using ::absl::StatusCode;
using ::gemma::testing::StatusIs;
using ::testing::HasSubstr;

constexpr int kHeight = 64, kWidth = 80;

class FrontendVideoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tok = tokenizer::Tokenizer::FromSpmFile(
        gemma::testing::GoldenPath("e2b_like/hf/tokenizer.model"));
    ASSERT_OK(tok.status());
    tok_ = *std::move(tok);
    config_.text.vocab_size = 768;
    config_.family = "e2b";
    config_.vision.emplace();
    config_.vision->default_soft_tokens = 280;
    ASSERT_OK_AND_ASSIGN(fe_, Frontend::Create(tok_.get(), config_));
    preprocess::ImageProcessorOptions video_budget;
    video_budget.max_soft_tokens = 70;
    ASSERT_OK_AND_ASSIGN(tokens_per_frame_, preprocess::NumImageSoftTokens(
                                                kHeight, kWidth, video_budget));
  }

  std::unique_ptr<Frontend> MakeFrontend(const MediaLimits& limits) {
    FrontendOptions options;
    options.media_limits = limits;
    auto fe = Frontend::Create(tok_.get(), config_, options);
    EXPECT_OK(fe.status());
    return fe.ok() ? *std::move(fe) : nullptr;
  }

  // What Hugging Face's processor makes of `before<|video|>after`: the
  // expanded text tokenized in one piece, BOS first.
  std::vector<int32_t> HfExpansion(const std::string& before,
                                   const std::vector<std::string>& timestamps,
                                   const std::string& after) {
    std::string text = before;
    for (size_t f = 0; f < timestamps.size(); ++f) {
      if (f > 0) text += " ";
      absl::StrAppend(&text, timestamps[f], " <|image>");
      for (int t = 0; t < tokens_per_frame_; ++t) text += "<|video|>";
      text += "<image|>";
    }
    text += after;
    std::vector<int32_t> ids = {tok_->special_ids().bos};
    for (int id : tok_->Encode(text)) ids.push_back(id);
    return ids;
  }

  std::unique_ptr<tokenizer::Tokenizer> tok_;
  model::ModelConfig config_;
  std::unique_ptr<Frontend> fe_;
  int tokens_per_frame_ = 0;
};

MediaBlob FramesBlob(int n, double fps) {
  MediaBlob blob;
  blob.kind = MediaBlob::Kind::kVideo;
  blob.frames = gemma::testing::PngFrames(n, kHeight, kWidth);
  blob.fps = fps;
  return blob;
}

MediaBlob AviBlob(int n, double fps) {
  MediaBlob blob;
  blob.kind = MediaBlob::Kind::kVideo;
  blob.bytes = gemma::testing::MjpegAvi(n, kHeight, kWidth, fps);
  return blob;
}

// A list of frames shorter than 32 gives all its frames; each is a
// <|image>...<image|> block of <|video|> soft tokens after its timestamp.
TEST_F(FrontendVideoTest, FrameListLayoutMatchesTheHfExpansion) {
  ASSERT_GT(tokens_per_frame_, 0);
  ASSERT_LE(tokens_per_frame_, 70);
  MediaReport report;
  ASSERT_OK_AND_ASSIGN(PromptInput in,
                       fe_->FromText("Watch <|video|> and tell.",
                                     {FramesBlob(3, 1.0)}, &report));
  EXPECT_EQ(in.token_ids,
            HfExpansion("Watch ", {"00:00", "00:01", "00:02"}, " and tell."));
  ASSERT_EQ(in.media.size(), 3u);
  const tokenizer::SpecialTokenIds& s = tok_->special_ids();
  for (size_t f = 0; f < in.media.size(); ++f) {
    const MediaInput& m = in.media[f];
    EXPECT_EQ(m.kind, MediaInput::Kind::kVideoFrame);
    EXPECT_EQ(m.num_soft_tokens, tokens_per_frame_);
    EXPECT_EQ(in.token_ids[m.first_token_index - 1], s.image_start);
    for (int t = 0; t < m.num_soft_tokens; ++t) {
      EXPECT_EQ(in.token_ids[m.first_token_index + t], s.video_placeholder);
    }
    EXPECT_EQ(in.token_ids[m.first_token_index + m.num_soft_tokens],
              s.image_end);
    // Patches padded to the video budget (70 * 9 rows of 16 * 16 * 3).
    EXPECT_EQ(m.rows, 630);
    EXPECT_EQ(m.features.size(), 630u * 768);
    EXPECT_EQ(m.positions.size(), 630u * 2);
    EXPECT_FALSE(m.content_hash.empty());
  }
  // Different frames, different features and cache keys.
  EXPECT_NE(in.media[0].features, in.media[1].features);
  EXPECT_NE(in.media[0].content_hash, in.media[1].content_hash);
  ASSERT_EQ(report.items.size(), 1u);
  EXPECT_EQ(report.items[0].kind, MediaBlob::Kind::kVideo);
  EXPECT_EQ(report.items[0].frames, 3);
  EXPECT_EQ(report.items[0].soft_tokens, 3 * tokens_per_frame_);
  EXPECT_GT(report.items[0].preprocess, absl::ZeroDuration());
}

// An encoded file of 40 frames at 8 fps: 32 frames sampled at int(i*40/32),
// timestamps int(index / 8) s; an image after the video keeps its own
// markers.
TEST_F(FrontendVideoTest, EncodedVideoSamples32FramesWithTimestamps) {
  MediaBlob image;
  image.kind = MediaBlob::Kind::kImage;
  image.bytes = gemma::testing::PngFrames(1, 48, 48)[0];
  ASSERT_OK_AND_ASSIGN(
      PromptInput in,
      fe_->FromText("<|video|>Then <|image|>", {AviBlob(40, 8.0), image}));
  ASSERT_EQ(in.media.size(), 33u);
  std::vector<std::string> timestamps;
  for (int i = 0; i < 32; ++i) {
    const int index = i * 40 / 32;
    timestamps.push_back(absl::StrCat("00:0", index / 8));
  }
  std::vector<int32_t> expected = HfExpansion("", timestamps, "Then ");
  const tokenizer::SpecialTokenIds& s = tok_->special_ids();
  expected.push_back(s.image_start);
  expected.insert(expected.end(), in.media[32].num_soft_tokens,
                  s.image_placeholder);
  expected.push_back(s.image_end);
  EXPECT_EQ(in.token_ids, expected);
  EXPECT_EQ(in.media[32].kind, MediaInput::Kind::kImage);
  for (int f = 0; f < 32; ++f) {
    EXPECT_EQ(in.media[f].kind, MediaInput::Kind::kVideoFrame);
  }
  // The decoded frames are the frames written, up to JPEG's loss: frame
  // 31 (source index 38) against the lossless PNG of the same frame.
  MediaBlob png = FramesBlob(39, 0);
  png.frames.erase(png.frames.begin(), png.frames.begin() + 38);
  ASSERT_OK_AND_ASSIGN(PromptInput ref, fe_->FromText("<|video|>", {png}));
  const std::vector<float>& a = in.media[31].features;
  const std::vector<float>& b = ref.media[0].features;
  ASSERT_EQ(a.size(), b.size());
  double diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff += std::abs(a[i] - b[i]);
  // Mean over the real patches (padding rows are 0 in both).
  const double mean = diff / (a.size() * tokens_per_frame_ * 9.0 / 630);
  EXPECT_LT(mean, 0.03) << "mean |decoded - written| per pixel value";
}

// The same video in a chat message: the template's <|video|> takes it.
TEST_F(FrontendVideoTest, ChatVideoPartTakesTheVideo) {
  tokenizer::ChatRequest chat;
  tokenizer::ChatMessage m;
  m.role = "user";
  m.content.kind = tokenizer::MessageContent::Kind::kParts;
  m.content.parts.push_back(tokenizer::ContentPart::Media("video"));
  m.content.parts.push_back(tokenizer::ContentPart::Text("What happens?"));
  chat.messages.push_back(m);
  ASSERT_OK_AND_ASSIGN(PromptInput in, fe_->FromChat(chat, {FramesBlob(2, 0)}));
  EXPECT_TRUE(in.is_chat);
  ASSERT_EQ(in.media.size(), 2u);
  EXPECT_EQ(in.media[1].kind, MediaInput::Kind::kVideoFrame);
  // Default 24 fps: both frames at 00:00.
  ASSERT_OK_AND_ASSIGN(std::string rendered, fe_->RenderChat(chat));
  EXPECT_THAT(rendered, HasSubstr("<|video|>"));
}

TEST_F(FrontendVideoTest, LimitsAndErrorsAreClear) {
  MediaLimits limits;
  limits.max_video_frames = 4;
  auto fe4 = MakeFrontend(limits);
  ASSERT_NE(fe4, nullptr);
  // A list of frames is refused before any decoding.
  EXPECT_THAT(fe4->FromText("<|video|>", {FramesBlob(5, 0)}),
              StatusIs(StatusCode::kInvalidArgument,
                       "media part 0: the video gives 5 sampled frames (of "
                       "its 5), more than the limit of 4 "
                       "(--max_video_frames)"));
  EXPECT_OK(fe4->FromText("<|video|>", {FramesBlob(4, 0)}).status());
  // An encoded file once its frames are counted: 32 of its 40.
  EXPECT_THAT(fe4->FromText("<|video|>", {AviBlob(40, 8.0)}),
              StatusIs(StatusCode::kInvalidArgument,
                       "media part 0: the video gives 32 sampled frames (of "
                       "its 40), more than the limit of 4"));
  limits.max_video_frames = 0;
  auto fe0 = MakeFrontend(limits);
  EXPECT_THAT(fe0->FromText("<|video|>", {FramesBlob(1, 0)}),
              StatusIs(StatusCode::kInvalidArgument,
                       "takes no video (--max_video_frames is 0)"));
  limits = MediaLimits();
  limits.max_image_pixels = kHeight * kWidth - 1;
  auto fe_px = MakeFrontend(limits);
  EXPECT_THAT(fe_px->FromText("<|video|>", {FramesBlob(2, 0)}),
              StatusIs(StatusCode::kInvalidArgument,
                       "media part 0: video frame 0 is 80x64"));
  EXPECT_THAT(fe_px->FromText("<|video|>", {AviBlob(3, 8.0)}),
              StatusIs(StatusCode::kInvalidArgument, "pixels"));

  // A text-only model takes no video.
  model::ModelConfig text_only = config_;
  text_only.vision.reset();
  ASSERT_OK_AND_ASSIGN(auto fe_text, Frontend::Create(tok_.get(), text_only));
  EXPECT_THAT(fe_text->FromText("<|video|>", {FramesBlob(1, 0)}),
              StatusIs(StatusCode::kInvalidArgument, "no vision tower"));
  // Kinds and counts must match the placeholders.
  EXPECT_THAT(fe_->FromText("<|image|>", {FramesBlob(1, 0)}),
              StatusIs(StatusCode::kInvalidArgument,
                       "media item 0 is video but placeholder 1"));
  EXPECT_THAT(fe_->FromText("A video", {FramesBlob(1, 0)}),
              StatusIs(StatusCode::kInvalidArgument, "put <|video|> where"));
  EXPECT_THAT(fe_->FromText("<|video|>"),
              StatusIs(StatusCode::kInvalidArgument, "no video attached"));
  // Bad data: named by item and frame.
  MediaBlob bad = FramesBlob(2, 0);
  bad.frames[1] = "not a png";
  EXPECT_THAT(fe_->FromText("<|video|>", {bad}),
              StatusIs(StatusCode::kInvalidArgument,
                       "media item 0 (video): video frame 1"));
  MediaBlob junk;
  junk.kind = MediaBlob::Kind::kVideo;
  junk.bytes = "RIFF....AVI garbage";
  EXPECT_THAT(fe_->FromText("<|video|>", {junk}),
              StatusIs(StatusCode::kInvalidArgument, "media item 0 (video)"));
  MediaBlob both = FramesBlob(1, 0);
  both.bytes = "x";
  EXPECT_THAT(fe_->FromText("<|video|>", {both}),
              StatusIs(StatusCode::kInvalidArgument, "send one"));
  // Frames of different sizes.
  MediaBlob mixed = FramesBlob(2, 0);
  mixed.frames[1] = gemma::testing::PngFrames(1, 48, 48)[0];
  EXPECT_THAT(fe_->FromText("<|video|>", {mixed}),
              StatusIs(StatusCode::kInvalidArgument,
                       "video frame 1 is 48x48 but the first sampled frame "
                       "is 80x64"));
  // A declared type that the data contradicts.
  MediaBlob mislabelled = AviBlob(2, 8.0);
  mislabelled.mime_type = "video/mp4";
  EXPECT_THAT(fe_->FromText("<|video|>", {mislabelled}),
              StatusIs(StatusCode::kInvalidArgument,
                       "declared as video/mp4 but its data is AVI"));
  MediaBlob image_frames = FramesBlob(1, 0);
  image_frames.kind = MediaBlob::Kind::kImage;
  EXPECT_THAT(fe_->FromText("<|image|>", {image_frames}),
              StatusIs(StatusCode::kInvalidArgument, "list of frames"));
}

}  // namespace
}  // namespace gemma::engine
