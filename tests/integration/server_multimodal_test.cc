// gemma4-server end to end with images and audio together, on a random
// "tiny" checkpoint written at test time (the golden e2b_like text model
// with both the vision and the audio tower): the real engine, the real gRPC
// service on 127.0.0.1 (port 0) and real clients.
//  - A chat message with an image, an audio clip and text streams the same
//    tokens as the in-process path (front end + engine) on the same bytes.
//  - 8 concurrent streams, 4 text-only and 4 with an image and an audio
//    clip each (all different media, so every one is encoded), all complete;
//    the text streams' inter-token latency is measured with and without the
//    media streams beside them and printed (the encoders run inside engine
//    steps, so text streams keep decoding while media encode).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/frontend.h"
#include "engine/model_pool.h"
#include "gtest/gtest.h"
#include "model/checkpoint/checkpoint.h"
#include "proto/gemma4_service.grpc.pb.h"
#include "tests/engine/engine_test_sink.h"
#include "tests/engine/video_fixtures.h"
#include "tests/integration/test_server.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"

namespace gemma::server {
namespace {

constexpr char kModel[] = "tiny-multimodal";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

gemma4::v1::Media MakeMedia(const std::string& mime, std::string data) {
  gemma4::v1::Media m;
  m.set_mime_type(mime);
  m.set_data(std::move(data));
  return m;
}

using testing::StreamedResponse;

class ServerMultimodalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        ::testing::TempDir() + "/tiny_multimodal_" + std::to_string(::getpid());
    ASSERT_OK_AND_ASSIGN(model::ModelConfig config, model::NamedConfig("tiny"));
    ASSERT_OK_AND_ASSIGN(auto ckpt, model::MakeRandomCheckpoint(config, 11));
    ASSERT_OK(model::WriteCheckpoint(
        *ckpt, dir_, model::CheckpointLayout::kHuggingFace, model::DType::kF32,
        testing::GoldenPath("e2b_like/hf/tokenizer.model")));
    engine::ModelSpec spec;
    spec.name = kModel;
    spec.dir = dir_;
    spec.kv_cache_tokens = 8192;
    engine::PoolOptions options;
    options.total_threads = 2;
    ASSERT_OK_AND_ASSIGN(server_, testing::TestServer::Start(spec, options));
    channel_ = server_->NewChannel();
  }

  // Streams `request` on a stub of its own, with a 300 s deadline.
  StreamedResponse Stream(const gemma4::v1::GenerateRequest& request) {
    auto stub = gemma4::v1::Gemma::NewStub(channel_);
    return testing::CollectStream(*stub, request, absl::Seconds(300));
  }

  gemma4::v1::GenerateRequest Request(int new_tokens) {
    gemma4::v1::GenerateRequest request;
    request.set_model(kModel);
    request.mutable_options()->set_max_new_tokens(new_tokens);
    request.mutable_options()->mutable_stop_tokens()->set_mode(
        gemma4::v1::StopTokens::MODE_NONE);
    return request;
  }

  // A chat turn with an image, an audio clip and a question.
  gemma4::v1::GenerateRequest ChatRequest(const std::string& png,
                                          const std::string& wav,
                                          int new_tokens) {
    gemma4::v1::GenerateRequest request = Request(new_tokens);
    gemma4::v1::ChatMessage* message =
        request.add_prompts()->mutable_chat()->add_messages();
    message->set_role("user");
    *message->add_parts()->mutable_image() = MakeMedia("image/png", png);
    *message->add_parts()->mutable_audio() = MakeMedia("audio/wav", wav);
    message->add_parts()->set_text("What do you see and hear?");
    return request;
  }

  gemma4::v1::GenerateRequest TextRequest(int i, int new_tokens) {
    gemma4::v1::GenerateRequest request = Request(new_tokens);
    request.add_prompts()->mutable_text()->set_text(
        absl::StrCat("Text stream number ", i, " tells a story:"));
    return request;
  }

  std::string dir_;
  std::unique_ptr<testing::TestServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ServerMultimodalTest, ChatWithImageAndAudioStreamsTheInProcessTokens) {
  const std::string png = ReadFile(testing::GoldenPath("media/image0.png"));
  const std::string wav = ReadFile(testing::GoldenPath("media/audio0.wav"));
  constexpr int kNew = 10;
  const StreamedResponse streamed = Stream(ChatRequest(png, wav, kNew));
  ASSERT_TRUE(streamed.status.ok()) << streamed.status.error_message();
  ASSERT_EQ(streamed.token_ids.size(), static_cast<size_t>(kNew));

  tokenizer::ChatRequest chat;
  tokenizer::ChatMessage m;
  m.role = "user";
  m.content.kind = tokenizer::MessageContent::Kind::kParts;
  m.content.parts.push_back(tokenizer::ContentPart::Media("image"));
  m.content.parts.push_back(tokenizer::ContentPart::Media("audio"));
  m.content.parts.push_back(
      tokenizer::ContentPart::Text("What do you see and hear?"));
  chat.messages.push_back(m);
  engine::MediaBlob image;
  image.kind = engine::MediaBlob::Kind::kImage;
  image.bytes = png;
  image.mime_type = "image/png";
  engine::MediaBlob audio;
  audio.kind = engine::MediaBlob::Kind::kAudio;
  audio.bytes = wav;
  audio.mime_type = "audio/wav";
  ASSERT_OK_AND_ASSIGN(const engine::Frontend* fe,
                       server_->pool().GetFrontend(kModel));
  ASSERT_OK_AND_ASSIGN(engine::PromptInput prompt,
                       fe->FromChat(chat, {image, audio}));
  ASSERT_EQ(prompt.media.size(), 2u);
  const size_t prompt_length = prompt.token_ids.size();
  auto sink = std::make_shared<engine::CollectingSink>();
  engine::Request r;
  r.model = kModel;
  r.prompts.push_back(std::move(prompt));
  r.params.max_new_tokens = kNew;
  r.params.stop_mode = engine::StopTokensMode::kNone;
  r.sink = sink;
  ASSERT_OK(server_->pool().Submit(std::move(r)));
  ASSERT_TRUE(sink->WaitDone(absl::Seconds(300)));
  ASSERT_OK(sink->result().status);
  const std::vector<int32_t>& all = sink->result().token_ids;
  ASSERT_EQ(all.size(), prompt_length + kNew);
  EXPECT_EQ(streamed.token_ids,
            std::vector<int32_t>(all.begin() + prompt_length, all.end()));
}

// Milliseconds between consecutive tokens of the streams, sorted.
std::vector<double> Gaps(const std::vector<StreamedResponse>& streams) {
  std::vector<double> gaps;
  for (const StreamedResponse& s : streams) {
    for (size_t i = 1; i < s.arrivals.size(); ++i) {
      gaps.push_back(std::chrono::duration<double, std::milli>(
                         s.arrivals[i] - s.arrivals[i - 1])
                         .count());
    }
  }
  std::sort(gaps.begin(), gaps.end());
  return gaps;
}

double Quantile(const std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))];
}

TEST_F(ServerMultimodalTest, EightMixedStreamsCompleteWhileMediaEncode) {
  constexpr int kText = 4, kMedia = 4, kNew = 24;
  auto run = [&](int media_streams) {
    std::vector<StreamedResponse> results(kText + media_streams);
    std::vector<std::thread> threads;
    const std::string wav0 = ReadFile(testing::GoldenPath("media/audio0.wav"));
    const std::string wav1 = ReadFile(testing::GoldenPath("media/audio1.wav"));
    for (int i = 0; i < kText + media_streams; ++i) {
      gemma4::v1::GenerateRequest request;
      if (i < kText) {
        request = TextRequest(i, kNew);
      } else {
        // A different image each time (sizes differ), so none is cached.
        const int j = i - kText + media_streams;
        const std::string png = testing::PngFrames(1, 96 + 16 * j, 128)[0];
        request = ChatRequest(png, j % 2 == 0 ? wav0 : wav1, kNew);
      }
      threads.emplace_back(
          [this, &results, i, request] { results[i] = Stream(request); });
    }
    for (std::thread& t : threads) t.join();
    return results;
  };
  const std::vector<StreamedResponse> alone = run(0);
  const std::vector<StreamedResponse> mixed = run(kMedia);
  for (const auto* set : {&alone, &mixed}) {
    for (const StreamedResponse& s : *set) {
      ASSERT_TRUE(s.status.ok()) << s.status.error_message();
      EXPECT_EQ(s.token_ids.size(), static_cast<size_t>(kNew));
    }
  }
  // Text streams give the same tokens with or without media beside them.
  for (int i = 0; i < kText; ++i) {
    EXPECT_EQ(alone[i].token_ids, mixed[i].token_ids) << i;
  }
  const std::vector<double> a = Gaps(alone);
  const std::vector<double> b =
      Gaps(std::vector<StreamedResponse>(mixed.begin(), mixed.begin() + kText));
  std::printf(
      "text streams' inter-token latency: alone p50 %.1f ms p99 %.1f ms; "
      "beside %d image+audio streams p50 %.1f ms p99 %.1f ms\n",
      Quantile(a, 0.5), Quantile(a, 0.99), kMedia, Quantile(b, 0.5),
      Quantile(b, 0.99));
  RecordProperty("text_itl_p50_alone_ms", std::to_string(Quantile(a, 0.5)));
  RecordProperty("text_itl_p99_mixed_ms", std::to_string(Quantile(b, 0.99)));
  // No engine work is left behind.
  for (const engine::EngineStats& stats : server_->pool().Stats()) {
    EXPECT_EQ(stats.running_sequences, 0);
    EXPECT_EQ(stats.kv_blocks_used, 0);
  }
}

}  // namespace
}  // namespace gemma::server
