// gemma4-server end to end with video: the real engine over the golden
// e2b_vision checkpoint, the real gRPC service on 127.0.0.1 (port 0) and a
// real client. A video sent as an encoded MJPEG AVI file and one sent as a
// list of PNG frames (both made at test time with OpenCV) stream to the
// end, with the same tokens as the in-process path (front end + engine) on
// the same bytes; the per-modality preprocessing histogram and the engine's
// video counters move; malformed videos are INVALID_ARGUMENT.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "engine/frontend.h"
#include "engine/model_pool.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"
#include "proto/gemma4_service.grpc.pb.h"
#include "server/status_conversion.h"
#include "tests/engine/engine_test_sink.h"
#include "tests/engine/video_fixtures.h"
#include "tests/integration/test_server.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"

namespace gemma::server {
namespace {

constexpr char kModel[] = "e2b-vision";
constexpr int kNewTokens = 8;
constexpr char kText[] = "What happens in <|video|>? Answer:";

class ServerVideoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine::ModelSpec spec;
    spec.name = kModel;
    spec.dir = testing::GoldenPath("e2b_vision/hf");
    spec.kv_cache_tokens = 4096;  // 32 frames take ~2300 tokens.
    engine::PoolOptions options;
    options.total_threads = 2;
    ASSERT_OK_AND_ASSIGN(server_, testing::TestServer::Start(spec, options));
    stub_ = server_->NewStub();
  }

  gemma4::v1::GenerateRequest Request(const gemma4::v1::Media& video) {
    gemma4::v1::GenerateRequest request;
    request.set_model(kModel);
    gemma4::v1::TextPrompt* text = request.add_prompts()->mutable_text();
    text->set_text(kText);
    *text->add_videos() = video;
    request.mutable_options()->set_max_new_tokens(kNewTokens);
    request.mutable_options()->mutable_stop_tokens()->set_mode(
        gemma4::v1::StopTokens::MODE_NONE);
    return request;
  }

  // Streams `request`; the generated ids, or the RPC's error.
  absl::StatusOr<std::vector<int32_t>> Stream(
      const gemma4::v1::GenerateRequest& request) {
    testing::StreamedResponse stream =
        testing::CollectStream(*stub_, request, absl::Seconds(300));
    if (!stream.status.ok()) return FromGrpcStatus(stream.status);
    if (stream.finals == 0) return absl::InternalError("no final chunk");
    return std::move(stream.token_ids);
  }

  // The in-process path on the same media: front end + engine.
  absl::StatusOr<std::vector<int32_t>> InProcess(engine::MediaBlob blob) {
    auto fe = server_->pool().GetFrontend(kModel);
    if (!fe.ok()) return fe.status();
    auto prompt = (*fe)->FromText(kText, {std::move(blob)});
    if (!prompt.ok()) return prompt.status();
    const size_t prompt_length = prompt->token_ids.size();
    auto sink = std::make_shared<engine::CollectingSink>();
    engine::Request r;
    r.model = kModel;
    r.prompts.push_back(*std::move(prompt));
    r.params.max_new_tokens = kNewTokens;
    r.params.stop_mode = engine::StopTokensMode::kNone;
    r.sink = sink;
    if (absl::Status st = server_->pool().Submit(std::move(r)); !st.ok()) {
      return st;
    }
    if (!sink->WaitDone(absl::Seconds(300))) {
      return absl::DeadlineExceededError("no in-process result");
    }
    const engine::GenerationResult& res = sink->result();
    if (!res.status.ok()) return res.status;
    return std::vector<int32_t>(res.token_ids.begin() + prompt_length,
                                res.token_ids.end());
  }

  std::string MetricsText() {
    return prometheus::TextSerializer().Serialize(
        server_->registry()->Collect());
  }

  std::unique_ptr<testing::TestServer> server_;
  std::unique_ptr<gemma4::v1::Gemma::Stub> stub_;
};

TEST_F(ServerVideoTest, VideoFileAndFrameListStreamLikeTheInProcessPath) {
  // ListModels says the model takes video.
  grpc::ClientContext list_context;
  gemma4::v1::ListModelsResponse models;
  ASSERT_TRUE(
      stub_->ListModels(&list_context, gemma4::v1::ListModelsRequest(), &models)
          .ok());
  ASSERT_EQ(models.models_size(), 1);
  EXPECT_THAT(models.models(0).modalities(), ::testing::Contains("video"));

  // An encoded file: 40 frames at 8 fps, 32 sampled.
  gemma4::v1::Media file;
  file.set_mime_type("video/x-msvideo");
  file.set_data(testing::MjpegAvi(40, 64, 80, 8.0));
  ASSERT_OK_AND_ASSIGN(std::vector<int32_t> streamed, Stream(Request(file)));
  EXPECT_EQ(streamed.size(), static_cast<size_t>(kNewTokens));
  engine::MediaBlob file_blob;
  file_blob.kind = engine::MediaBlob::Kind::kVideo;
  file_blob.bytes = file.data();
  file_blob.mime_type = file.mime_type();
  ASSERT_OK_AND_ASSIGN(std::vector<int32_t> in_process, InProcess(file_blob));
  EXPECT_EQ(streamed, in_process);

  // A list of 3 PNG frames at 1 fps.
  gemma4::v1::Media frames;
  for (const std::string& png : testing::PngFrames(3, 64, 80)) {
    frames.add_frames(png);
  }
  frames.set_frames_per_second(1);
  ASSERT_OK_AND_ASSIGN(std::vector<int32_t> streamed_frames,
                       Stream(Request(frames)));
  engine::MediaBlob frames_blob;
  frames_blob.kind = engine::MediaBlob::Kind::kVideo;
  frames_blob.frames.assign(frames.frames().begin(), frames.frames().end());
  frames_blob.fps = 1;
  ASSERT_OK_AND_ASSIGN(std::vector<int32_t> in_process_frames,
                       InProcess(frames_blob));
  EXPECT_EQ(streamed_frames, in_process_frames);

  // Preprocessing was timed per modality on the RPC path (two videos), and
  // the engine counted and encoded the frames (32 + 3, each once: the
  // in-process runs hit the encoder cache).
  const std::string text = MetricsText();
  EXPECT_THAT(
      text,
      ::testing::HasSubstr(
          R"(gemma4_media_preprocess_duration_seconds_count{modality="video"} 2)"));
  EXPECT_THAT(
      text,
      ::testing::HasSubstr(
          R"(gemma4_request_media_soft_tokens_count{model="e2b-vision"} 2)"));
  const engine::EngineStats stats = server_->pool().Stats()[0];
  EXPECT_EQ(stats.media_video.items_total, 2 * (32 + 3));
  EXPECT_EQ(stats.media_video.encoder_calls_total, 32 + 3);
  EXPECT_EQ(stats.media_video.cache_hits_total, 32 + 3);
}

// A chat message with a video part (frames), through Generate, against the
// front end's FromChat + the engine; CountTokens counts its soft tokens.
TEST_F(ServerVideoTest, ChatVideoPartMatchesTheInProcessPath) {
  gemma4::v1::GenerateRequest request;
  request.set_model(kModel);
  gemma4::v1::ChatMessage* message =
      request.add_prompts()->mutable_chat()->add_messages();
  message->set_role("user");
  gemma4::v1::Media* video = message->add_parts()->mutable_video();
  for (const std::string& png : testing::PngFrames(2, 64, 80)) {
    video->add_frames(png);
  }
  message->add_parts()->set_text("What changes?");
  request.mutable_options()->set_max_new_tokens(kNewTokens);
  request.mutable_options()->mutable_stop_tokens()->set_mode(
      gemma4::v1::StopTokens::MODE_NONE);
  grpc::ClientContext context;
  gemma4::v1::GenerateResponse response;
  const grpc::Status status = stub_->Generate(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.completions_size(), 1);

  tokenizer::ChatRequest chat;
  tokenizer::ChatMessage m;
  m.role = "user";
  m.content.kind = tokenizer::MessageContent::Kind::kParts;
  m.content.parts.push_back(tokenizer::ContentPart::Media("video"));
  m.content.parts.push_back(tokenizer::ContentPart::Text("What changes?"));
  chat.messages.push_back(m);
  engine::MediaBlob blob;
  blob.kind = engine::MediaBlob::Kind::kVideo;
  blob.frames.assign(video->frames().begin(), video->frames().end());
  ASSERT_OK_AND_ASSIGN(const engine::Frontend* fe,
                       server_->pool().GetFrontend(kModel));
  ASSERT_OK_AND_ASSIGN(engine::PromptInput prompt, fe->FromChat(chat, {blob}));
  ASSERT_EQ(prompt.media.size(), 2u);
  const auto& c = response.completions(0);
  EXPECT_EQ(c.usage().prompt_tokens(),
            static_cast<int>(prompt.token_ids.size()));
  // The completion's ids start with the prompt the front end builds.
  ASSERT_GE(c.token_ids_size(), static_cast<int>(prompt.token_ids.size()));
  EXPECT_TRUE(std::equal(prompt.token_ids.begin(), prompt.token_ids.end(),
                         c.token_ids().begin()));
  auto sink = std::make_shared<engine::CollectingSink>();
  engine::Request r;
  r.model = kModel;
  r.prompts.push_back(prompt);
  r.params.max_new_tokens = kNewTokens;
  r.params.stop_mode = engine::StopTokensMode::kNone;
  r.sink = sink;
  ASSERT_OK(server_->pool().Submit(std::move(r)));
  ASSERT_TRUE(sink->WaitDone(absl::Seconds(300)));
  EXPECT_EQ(std::vector<int32_t>(c.token_ids().begin(), c.token_ids().end()),
            sink->result().token_ids);

  gemma4::v1::CountTokensRequest count;
  count.set_model(kModel);
  *count.add_prompts() = request.prompts(0);
  grpc::ClientContext count_context;
  gemma4::v1::CountTokensResponse counted;
  const grpc::Status count_status =
      stub_->CountTokens(&count_context, count, &counted);
  ASSERT_TRUE(count_status.ok()) << count_status.error_message();
  ASSERT_EQ(counted.token_counts_size(), 1);
  EXPECT_EQ(counted.token_counts(0), static_cast<int>(prompt.token_ids.size()));
}

TEST_F(ServerVideoTest, BadVideosAreInvalidArgument) {
  gemma4::v1::Media both;
  both.set_data("RIFF....AVI ");
  both.add_frames("x");
  absl::StatusOr<std::vector<int32_t>> r = Stream(Request(both));
  EXPECT_THAT(r.status(), testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                            "has both data and frames"));
  gemma4::v1::Media corrupt;
  corrupt.set_data("RIFF....AVI garbage, not a video");
  r = Stream(Request(corrupt));
  EXPECT_THAT(r.status(),
              testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                "prompts[0]: media item 0 (video)"));
  gemma4::v1::Media bad_frame;
  bad_frame.add_frames(testing::PngFrames(1, 64, 80)[0]);
  bad_frame.add_frames("not a png");
  r = Stream(Request(bad_frame));
  EXPECT_THAT(r.status(), testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                            "video frame 1"));
  // The server is still healthy: a good video goes through afterwards.
  gemma4::v1::Media good;
  good.add_frames(testing::PngFrames(1, 64, 80)[0]);
  EXPECT_OK(Stream(Request(good)).status());
}

}  // namespace
}  // namespace gemma::server
