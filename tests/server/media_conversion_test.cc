#include "server/media_conversion.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gemma::server {
namespace {

using Kind = engine::MediaBlob::Kind;

// The front end pairs the i-th placeholder with the i-th blob, so the
// text prompt's three lists are merged in placeholder order.
TEST(MediaConversionTest, TextPromptMediaFollowPlaceholderOrder) {
  gemma4::v1::TextPrompt text;
  text.set_text("<|video|> then <|image|>, <|audio|> and <|video|><|image|>");
  text.add_images()->set_data("i0");
  text.add_images()->set_data("i1");
  text.add_audio()->set_data("a0");
  auto* v0 = text.add_videos();
  v0->set_data("v0");
  v0->set_mime_type("video/mp4");
  auto* v1 = text.add_videos();
  v1->add_frames("f0");
  v1->add_frames("f1");
  v1->set_frames_per_second(12.5);
  const std::vector<engine::MediaBlob> media = TextPromptMedia(text);
  ASSERT_EQ(media.size(), 5u);
  EXPECT_EQ(media[0].kind, Kind::kVideo);
  EXPECT_EQ(media[0].bytes, "v0");
  EXPECT_EQ(media[0].mime_type, "video/mp4");
  EXPECT_TRUE(media[0].frames.empty());
  EXPECT_EQ(media[1].kind, Kind::kImage);
  EXPECT_EQ(media[1].bytes, "i0");
  EXPECT_EQ(media[2].kind, Kind::kAudio);
  EXPECT_EQ(media[3].kind, Kind::kVideo);
  EXPECT_THAT(media[3].frames, ::testing::ElementsAre("f0", "f1"));
  EXPECT_EQ(media[3].fps, 12.5);
  EXPECT_TRUE(media[3].bytes.empty());
  EXPECT_EQ(media[4].bytes, "i1");
}

TEST(MediaConversionTest, ContentParts) {
  gemma4::v1::ContentPart part;
  part.set_text("hi");
  EXPECT_FALSE(ContentPartMedia(part).has_value());
  part.mutable_video()->add_frames("f");
  std::optional<PartMedia> video = ContentPartMedia(part);
  ASSERT_TRUE(video.has_value());
  EXPECT_EQ(video->type, "video");
  EXPECT_EQ(video->blob.kind, Kind::kVideo);
  EXPECT_THAT(video->blob.frames, ::testing::ElementsAre("f"));
  part.mutable_audio()->set_data("RIFF");
  ASSERT_TRUE(ContentPartMedia(part).has_value());
  EXPECT_EQ(ContentPartMedia(part)->type, "audio");
  EXPECT_EQ(ContentPartMedia(part)->blob.bytes, "RIFF");
  // Frames of a non-video item are not carried (validation refuses them).
  part.mutable_image()->add_frames("f");
  EXPECT_TRUE(ContentPartMedia(part)->blob.frames.empty());
}

}  // namespace
}  // namespace gemma::server
