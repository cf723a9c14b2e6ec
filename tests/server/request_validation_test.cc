#include "server/request_validation.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace gemma::server {
namespace {

using ::gemma::testing::StatusIs;
using gemma4::v1::Prompt;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

Prompt TextPrompt(const std::string& text, int images = 0, int audio = 0) {
  Prompt p;
  p.mutable_text()->set_text(text);
  for (int i = 0; i < images; ++i) {
    auto* m = p.mutable_text()->add_images();
    m->set_mime_type("image/png");
    m->set_data("\x89PNG...");
  }
  for (int i = 0; i < audio; ++i) {
    auto* m = p.mutable_text()->add_audio();
    m->set_mime_type("audio/wav");
    m->set_data("RIFF...");
  }
  return p;
}

Prompt ChatPrompt() {
  Prompt p;
  auto* m = p.mutable_chat()->add_messages();
  m->set_role("user");
  m->add_parts()->set_text("Hello");
  return p;
}

TEST(ValidatePromptTest, AcceptsEachInputKind) {
  EXPECT_OK(ValidatePrompt(TextPrompt("hi"), "p"));
  EXPECT_OK(ValidatePrompt(TextPrompt("<|image|> and <|audio|>", 1, 1), "p"));
  EXPECT_OK(ValidatePrompt(ChatPrompt(), "p"));
  Prompt ids;
  ids.mutable_token_ids()->add_ids(2);
  EXPECT_OK(ValidatePrompt(ids, "p"));
}

TEST(ValidatePromptTest, PlaceholdersMustMatchMedia) {
  EXPECT_THAT(ValidatePrompt(TextPrompt("no placeholder", 1), "prompts[0]"),
              StatusIs(kInvalid, "prompts[0].text.text has 0 <|image|>"));
  EXPECT_THAT(ValidatePrompt(TextPrompt("<|image|><|image|>", 1), "p"),
              StatusIs(kInvalid, "2 <|image|> placeholders but 1 images"));
  EXPECT_THAT(ValidatePrompt(TextPrompt("<|audio|>", 0, 0), "p"),
              StatusIs(kInvalid, "<|audio|>"));
}

TEST(ValidatePromptTest, RejectsBadTextAndMedia) {
  EXPECT_THAT(ValidatePrompt(TextPrompt("bad \xC3"), "p"),
              StatusIs(kInvalid, "not valid UTF-8"));
  EXPECT_THAT(ValidatePrompt(TextPrompt(""), "p"), StatusIs(kInvalid, "empty"));
  Prompt empty_media = TextPrompt("<|image|>", 1);
  empty_media.mutable_text()->mutable_images(0)->clear_data();
  EXPECT_THAT(ValidatePrompt(empty_media, "p"),
              StatusIs(kInvalid, "p.text.images[0].data is empty"));
  Prompt wrong_type = TextPrompt("<|image|>", 1);
  wrong_type.mutable_text()->mutable_images(0)->set_mime_type("audio/wav");
  EXPECT_THAT(ValidatePrompt(wrong_type, "p"),
              StatusIs(kInvalid, "images[0].mime_type"));
  EXPECT_THAT(ValidatePrompt(Prompt(), "p"), StatusIs(kInvalid, "no input"));
  Prompt ids;
  ids.mutable_token_ids();
  EXPECT_THAT(ValidatePrompt(ids, "p"), StatusIs(kInvalid, "ids is empty"));
}

TEST(ValidatePromptTest, ChatRolesPartsAndTools) {
  Prompt bad_role = ChatPrompt();
  bad_role.mutable_chat()->mutable_messages(0)->set_role("robot");
  EXPECT_THAT(ValidatePrompt(bad_role, "p"),
              StatusIs(kInvalid, "p.chat.messages[0].role is 'robot'"));

  Prompt empty_part = ChatPrompt();
  empty_part.mutable_chat()->mutable_messages(0)->add_parts();
  EXPECT_THAT(ValidatePrompt(empty_part, "p"),
              StatusIs(kInvalid, "messages[0].parts[1] is empty"));

  Prompt no_messages;
  no_messages.mutable_chat();
  EXPECT_THAT(ValidatePrompt(no_messages, "p"),
              StatusIs(kInvalid, "messages is empty"));

  Prompt tools = ChatPrompt();
  auto* tool = tools.mutable_chat()->add_tools();
  tool->set_name("get_weather");
  tool->set_parameters_json_schema(
      R"({"type":"object","properties":{"city":{"type":"string"}}})");
  EXPECT_OK(ValidatePrompt(tools, "p"));
  tool->set_parameters_json_schema("{not json");
  EXPECT_THAT(ValidatePrompt(tools, "p"),
              StatusIs(kInvalid, "tools[0].parameters_json_schema"));
  tool->set_parameters_json_schema("[1]");
  EXPECT_THAT(ValidatePrompt(tools, "p"), StatusIs(kInvalid, "JSON object"));
  tool->set_parameters_json_schema("");
  tool->set_name("get weather");
  EXPECT_THAT(ValidatePrompt(tools, "p"), StatusIs(kInvalid, "tools[0].name"));

  Prompt call = ChatPrompt();
  auto* assistant = call.mutable_chat()->add_messages();
  assistant->set_role("assistant");
  auto* tc = assistant->add_tool_calls();
  tc->set_name("f");
  tc->set_arguments_json(R"({"a": 1})");
  auto* tr = assistant->add_tool_responses();
  tr->set_name("f");
  tr->set_response_json("42");
  EXPECT_OK(ValidatePrompt(call, "p"));
  tc->set_arguments_json("1");
  EXPECT_THAT(ValidatePrompt(call, "p"),
              StatusIs(kInvalid, "messages[1].tool_calls[0].arguments_json"));

  Prompt user_call = ChatPrompt();
  user_call.mutable_chat()->mutable_messages(0)->add_tool_calls()->set_name(
      "f");
  EXPECT_THAT(ValidatePrompt(user_call, "p"),
              StatusIs(kInvalid, "only assistant messages"));
}

TEST(ValidatePromptsTest, RequestLevelChecks) {
  google::protobuf::RepeatedPtrField<Prompt> prompts;
  EXPECT_THAT(ValidatePrompts("m", prompts),
              StatusIs(kInvalid, "prompts is empty"));
  *prompts.Add() = TextPrompt("x");
  EXPECT_THAT(ValidatePrompts("", prompts), StatusIs(kInvalid, "model"));
  EXPECT_OK(ValidatePrompts("m", prompts));
  *prompts.Add() = TextPrompt("\xFF");
  EXPECT_THAT(ValidatePrompts("m", prompts),
              StatusIs(kInvalid, "prompts[1].text.text"));
  prompts.Clear();
  for (int i = 0; i <= kMaxPromptsPerRequest; ++i) {
    *prompts.Add() = TextPrompt("x");
  }
  EXPECT_THAT(ValidatePrompts("m", prompts), StatusIs(kInvalid, "at most"));
}

TEST(CheckModalitiesTest, RefusesMediaTheModelCannotTake) {
  engine::ModelInfo text_only;
  text_only.name = "t";
  EXPECT_OK(CheckModalities(text_only, TextPrompt("x"), "p"));
  EXPECT_THAT(CheckModalities(text_only, TextPrompt("<|image|>", 1), "p"),
              StatusIs(kInvalid, "takes no images"));
  Prompt chat = ChatPrompt();
  auto* part = chat.mutable_chat()->mutable_messages(0)->add_parts();
  part->mutable_audio()->set_data("RIFF");
  EXPECT_THAT(CheckModalities(text_only, chat, "p"),
              StatusIs(kInvalid, "takes no audio"));
  engine::ModelInfo multimodal = text_only;
  multimodal.image = multimodal.audio = true;
  EXPECT_OK(CheckModalities(multimodal, chat, "p"));
}

Prompt VideoPrompt(const std::string& text, int videos) {
  Prompt p;
  p.mutable_text()->set_text(text);
  for (int i = 0; i < videos; ++i) {
    auto* m = p.mutable_text()->add_videos();
    m->set_mime_type("video/mp4");
    m->set_data("....ftypisom");
  }
  return p;
}

TEST(ValidatePromptTest, Videos) {
  EXPECT_OK(ValidatePrompt(VideoPrompt("Watch <|video|>", 1), "p"));
  EXPECT_THAT(ValidatePrompt(VideoPrompt("Watch", 1), "p"),
              StatusIs(kInvalid,
                       "p.text.text has 0 <|video|> placeholders but 1 "
                       "videos were sent"));
  EXPECT_THAT(ValidatePrompt(VideoPrompt("<|video|><|video|>", 1), "p"),
              StatusIs(kInvalid, "2 <|video|> placeholders but 1 videos"));
  // A list of frames instead of a file.
  Prompt frames = VideoPrompt("<|video|>", 1);
  auto* video = frames.mutable_text()->mutable_videos(0);
  video->clear_data();
  video->clear_mime_type();
  video->add_frames("\x89PNG...");
  video->add_frames("\x89PNG...");
  video->set_frames_per_second(2);
  EXPECT_OK(ValidatePrompt(frames, "p"));
  Prompt both = frames;
  both.mutable_text()->mutable_videos(0)->set_data("....ftypisom");
  EXPECT_THAT(ValidatePrompt(both, "p"),
              StatusIs(kInvalid, "p.text.videos[0] has both data and frames"));
  Prompt empty_frame = frames;
  empty_frame.mutable_text()->mutable_videos(0)->set_frames(1, "");
  EXPECT_THAT(ValidatePrompt(empty_frame, "p"),
              StatusIs(kInvalid, "p.text.videos[0].frames[1] is empty"));
  Prompt bad_fps = frames;
  bad_fps.mutable_text()->mutable_videos(0)->set_frames_per_second(-1);
  EXPECT_THAT(ValidatePrompt(bad_fps, "p"),
              StatusIs(kInvalid, "p.text.videos[0].frames_per_second is -1"));
  Prompt fps_without_frames = VideoPrompt("<|video|>", 1);
  fps_without_frames.mutable_text()->mutable_videos(0)->set_frames_per_second(
      30);
  EXPECT_THAT(ValidatePrompt(fps_without_frames, "p"),
              StatusIs(kInvalid, "frames_per_second is set without frames"));
  Prompt empty = VideoPrompt("<|video|>", 1);
  empty.mutable_text()->mutable_videos(0)->clear_data();
  EXPECT_THAT(ValidatePrompt(empty, "p"),
              StatusIs(kInvalid, "p.text.videos[0].data is empty"));
  Prompt wrong_type = VideoPrompt("<|video|>", 1);
  wrong_type.mutable_text()->mutable_videos(0)->set_mime_type("image/png");
  EXPECT_THAT(ValidatePrompt(wrong_type, "p"),
              StatusIs(kInvalid, "videos[0].mime_type is 'image/png'"));
  Prompt gif = VideoPrompt("<|video|>", 1);
  gif.mutable_text()->mutable_videos(0)->set_mime_type("image/gif");
  EXPECT_OK(ValidatePrompt(gif, "p"));
  // Frames are for videos only.
  Prompt image_frames = TextPrompt("<|image|>", 1);
  image_frames.mutable_text()->mutable_images(0)->add_frames("x");
  EXPECT_THAT(ValidatePrompt(image_frames, "p"),
              StatusIs(kInvalid, "p.text.images[0].frames is only for videos"));
  // In a chat.
  Prompt chat = ChatPrompt();
  auto* part = chat.mutable_chat()->mutable_messages(0)->add_parts();
  part->mutable_video()->add_frames("\x89PNG...");
  EXPECT_OK(ValidatePrompt(chat, "p"));
  part->mutable_video()->set_mime_type("audio/wav");
  EXPECT_THAT(ValidatePrompt(chat, "p"),
              StatusIs(kInvalid,
                       "p.chat.messages[0].parts[1].video.mime_type is set "
                       "with frames"));
  // Videos count toward the media per prompt.
  EXPECT_THAT(
      ValidatePrompt(VideoPrompt(std::string(kMaxMediaPerPrompt + 1, 'x'),
                                 kMaxMediaPerPrompt + 1),
                     "p"),
      StatusIs(kInvalid, "images, audio clips and videos; at most"));
}

TEST(CheckModalitiesTest, VideoNeedsAVisionModel) {
  engine::ModelInfo text_only;
  text_only.name = "t";
  EXPECT_THAT(CheckModalities(text_only, VideoPrompt("<|video|>", 1), "p"),
              StatusIs(kInvalid,
                       "p has 1 video(s) but model 't' takes no "
                       "video"));
  Prompt chat = ChatPrompt();
  chat.mutable_chat()
      ->mutable_messages(0)
      ->add_parts()
      ->mutable_video()
      ->set_data("x");
  EXPECT_THAT(CheckModalities(text_only, chat, "p"),
              StatusIs(kInvalid, "takes no video"));
  engine::ModelInfo vision = text_only;
  vision.image = vision.video = true;
  EXPECT_OK(CheckModalities(vision, chat, "p"));
}

TEST(CountOccurrencesTest, CountsNonOverlapping) {
  EXPECT_EQ(CountOccurrences("a<|image|>b<|image|>", kImagePlaceholder), 2);
  EXPECT_EQ(CountOccurrences("", kImagePlaceholder), 0);
  EXPECT_EQ(CountOccurrences("aaaa", "aa"), 2);
}

}  // namespace
}  // namespace gemma::server
