// gemma4-server end to end with an image: the real engine over the golden
// e2b_vision checkpoint (vision tower loaded), the real gRPC service on
// 127.0.0.1 (port 0) and a real client sending the PNG's raw bytes with its
// MIME type; the server preprocesses it, the engine encodes it and the
// greedy continuation is the Hugging Face pipeline golden's.
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "engine/model_pool.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "proto/gemma4_service.grpc.pb.h"
#include "tests/integration/test_server.h"
#include "tests/testing/npy.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"

namespace gemma::server {
namespace {

constexpr char kModel[] = "e2b-vision";

std::string ReadGolden(const std::string& rel) {
  std::ifstream in(testing::GoldenPath(rel), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ServerMediaTest, ImagePartGivesTheGoldenContinuation) {
  engine::ModelSpec spec;
  spec.name = kModel;
  spec.dir = testing::GoldenPath("e2b_vision/hf");
  spec.kv_cache_tokens = 2048;
  engine::PoolOptions options;
  options.total_threads = 2;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<testing::TestServer> server,
                       testing::TestServer::Start(spec, options));
  auto stub = server->NewStub();

  const nlohmann::json hf =
      nlohmann::json::parse(ReadGolden("e2b_vision/hfpipe_expected.json"));
  const nlohmann::json& p = hf["prompts"][0];
  gemma4::v1::GenerateRequest request;
  request.set_model(kModel);
  gemma4::v1::TextPrompt* text = request.add_prompts()->mutable_text();
  text->set_text(p["text"].get<std::string>());
  gemma4::v1::Media* image = text->add_images();
  image->set_mime_type("image/png");
  image->set_data(
      ReadGolden("media/" + p["image"].get<std::string>() + ".png"));
  request.mutable_options()->set_max_new_tokens(12);
  request.mutable_options()->mutable_stop_tokens()->set_mode(
      gemma4::v1::StopTokens::MODE_NONE);

  grpc::ClientContext context;
  gemma4::v1::GenerateResponse response;
  const grpc::Status status = stub->Generate(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.completions_size(), 1);
  const auto& c = response.completions(0);
  auto want = testing::ReadNpy(testing::GoldenPath(
      "e2b_vision/hfpipe_prompt0_iterated_forward_argmax_token_ids.npy"));
  ASSERT_OK(want.status());
  EXPECT_EQ(std::vector<int32_t>(c.token_ids().begin(), c.token_ids().end()),
            want->ToInts());
  EXPECT_EQ(c.usage().completion_tokens(), 12);

  // An image the model cannot take (undecodable bytes) is INVALID_ARGUMENT.
  image->set_data("not an image");
  grpc::ClientContext bad_context;
  const grpc::Status bad = stub->Generate(&bad_context, request, &response);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << bad.error_message();
}

}  // namespace
}  // namespace gemma::server
