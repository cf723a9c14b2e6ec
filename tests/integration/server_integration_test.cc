// gemma4-server end to end: the real engine (model pool over the e2b_like
// golden checkpoint, Hugging Face layout), the real gRPC service on
// 127.0.0.1 (port 0), real gRPC clients, the /metrics endpoint over HTTP,
// and the `gemma4 client` subcommand.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/model_pool.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "prometheus/exposer.h"
#include "proto/gemma4_service.grpc.pb.h"
#include "server/drain.h"
#include "server/engine_stats_collector.h"
#include "tests/integration/test_server.h"
#include "tests/server/grpc_test_clients.h"
#include "tests/testing/npy.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"
#include "tools/client_command.h"

namespace gemma::server {
namespace {

using gemma4::v1::GenerateRequest;
using gemma4::v1::GenerateResponse;
using gemma4::v1::GenerateStreamChunk;
using grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;

constexpr char kModel[] = "e2b";

// Everything a running gemma4-server holds, built as server_main.cc does.
class ServerIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    engine::ModelSpec spec;
    spec.name = kModel;
    spec.dir = testing::GoldenPath("e2b_like/hf");
    engine::PoolOptions options;
    options.total_threads = 2;
    auto pool = engine::ModelPool::Create({spec}, options);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = pool->release();
  }
  static void TearDownTestSuite() {
    delete pool_;
    pool_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(pool_, nullptr);
    ASSERT_OK_AND_ASSIGN(server_, testing::TestServer::Start(pool_));
    channel_ = server_->NewChannel();
    stub_ = gemma4::v1::Gemma::NewStub(channel_);
  }

  static std::vector<int32_t> Npy(const std::string& name) {
    auto a = testing::ReadNpy(testing::GoldenPath("e2b_like/" + name));
    EXPECT_TRUE(a.ok()) << a.status();
    return a.ok() ? a->ToInts() : std::vector<int32_t>{};
  }

  // keras-hub's generate on prompt0's ids: stop_token_ids=None, greedy,
  // max_length = T + 16.
  static GenerateRequest GoldenRequest() {
    const std::vector<int32_t> prompt = Npy("prompt0_token_ids.npy");
    GenerateRequest request;
    request.set_model(kModel);
    request.add_prompts()->mutable_token_ids()->mutable_ids()->Add(
        prompt.begin(), prompt.end());
    request.mutable_options()->set_max_length(static_cast<int>(prompt.size()) +
                                              16);
    request.mutable_options()->mutable_stop_tokens()->set_mode(
        gemma4::v1::StopTokens::MODE_NONE);
    return request;
  }

  // A request that generates for a long time unless stopped.
  static GenerateRequest LongRequest() {
    GenerateRequest request;
    request.set_model(kModel);
    request.add_prompts()->mutable_token_ids()->mutable_ids()->Add(2);
    request.mutable_options()->set_max_new_tokens(6000);
    request.mutable_options()->mutable_stop_tokens()->set_mode(
        gemma4::v1::StopTokens::MODE_NONE);
    return request;
  }

  bool WaitIdle(absl::Duration timeout) {
    const absl::Time start = absl::Now();
    while (pool_->InFlight() > 0) {
      if (absl::Now() > start + timeout) {
        for (const engine::EngineStats& s : pool_->Stats()) {
          ADD_FAILURE() << "still in flight: " << pool_->InFlight()
                        << " waiting " << s.waiting_requests << " running "
                        << s.running_sequences << " steps " << s.steps_total;
        }
        return false;
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
    return true;
  }

  static engine::ModelPool* pool_;
  std::unique_ptr<testing::TestServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<gemma4::v1::Gemma::Stub> stub_;
};

engine::ModelPool* ServerIntegrationTest::pool_ = nullptr;

TEST_F(ServerIntegrationTest, GreedyGenerateMatchesKerasHub) {
  grpc::ClientContext context;
  GenerateResponse response;
  const grpc::Status status =
      stub_->Generate(&context, GoldenRequest(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.completions_size(), 1);
  const auto& c = response.completions(0);
  const std::vector<int32_t> expected = Npy("prompt0_generate_token_ids.npy");
  EXPECT_EQ(std::vector<int32_t>(c.token_ids().begin(), c.token_ids().end()),
            expected);
  EXPECT_EQ(c.finish_reason(), gemma4::v1::FINISH_REASON_LENGTH);
  EXPECT_EQ(c.usage().completion_tokens(), 16);
  EXPECT_EQ(c.usage().prompt_tokens(), static_cast<int>(expected.size()) - 16);
}

TEST_F(ServerIntegrationTest, StreamConcatenatesToTheUnaryResult) {
  GenerateResponse unary;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->Generate(&context, GoldenRequest(), &unary).ok());
  }
  const testing::StreamedResponse stream =
      testing::CollectStream(*stub_, GoldenRequest());
  for (const GenerateStreamChunk& chunk : stream.chunks) {
    EXPECT_EQ(chunk.prompt_index(), 0);
    if (chunk.has_final()) {
      EXPECT_EQ(chunk.final().usage().completion_tokens(), 16);
    }
  }
  ASSERT_TRUE(stream.status.ok());
  EXPECT_EQ(stream.finals, 1);
  const auto& c = unary.completions(0);
  EXPECT_EQ(stream.text, c.text());
  EXPECT_EQ(stream.token_ids, std::vector<int32_t>(c.token_ids().end() - 16,
                                                   c.token_ids().end()));
}

TEST_F(ServerIntegrationTest, TextPromptAndCountTokens) {
  gemma4::v1::CountTokensRequest count;
  count.set_model(kModel);
  auto* chat = count.add_prompts()->mutable_chat()->add_messages();
  chat->set_role("user");
  chat->add_parts()->set_text("What is the capital of France?");
  gemma4::v1::CountTokensResponse counted;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->CountTokens(&context, count, &counted).ok());
  // The golden prompt 0 is exactly this chat, rendered.
  EXPECT_THAT(counted.token_counts(),
              ::testing::ElementsAre(Npy("prompt0_token_ids.npy").size()));

  GenerateRequest request;
  request.set_model(kModel);
  request.add_prompts()->mutable_text()->set_text("Hello there");
  request.mutable_options()->set_max_new_tokens(4);
  GenerateResponse response;
  grpc::ClientContext context2;
  ASSERT_TRUE(stub_->Generate(&context2, request, &response).ok());
  EXPECT_EQ(response.completions(0).token_ids(0), 2);  // BOS added.
}

TEST_F(ServerIntegrationTest, HealthAndReflection) {
  auto health = testing::CheckHealth(*channel_, "");
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, HealthCheckResponse::SERVING);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> services,
                       testing::ListServicesByReflection(channel_));
  EXPECT_THAT(services, ::testing::Contains("gemma4.v1.Gemma"));
}

TEST_F(ServerIntegrationTest, ErrorsAreCanonical) {
  GenerateRequest request = GoldenRequest();
  request.set_model("no-such-model");
  GenerateResponse response;
  {
    grpc::ClientContext context;
    const grpc::Status s = stub_->Generate(&context, request, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_THAT(s.error_message(), HasSubstr(kModel));
  }
  request = GoldenRequest();
  request.mutable_options()->mutable_sampler()->set_type(
      gemma4::v1::SAMPLER_TYPE_TOP_K);
  request.mutable_options()->mutable_sampler()->set_k(100000);
  {
    grpc::ClientContext context;
    const grpc::Status s = stub_->Generate(&context, request, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), HasSubstr("sampler.k"));
  }
  request = GoldenRequest();
  request.mutable_options()->mutable_sampler()->set_temperature(-2);
  {
    grpc::ClientContext context;
    EXPECT_EQ(stub_->Generate(&context, request, &response).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
}

TEST_F(ServerIntegrationTest, CancellationStopsGeneration) {
  grpc::ClientContext context;
  auto reader = stub_->StreamGenerate(&context, LongRequest());
  GenerateStreamChunk chunk;
  int tokens = 0;
  while (tokens < 5 && reader->Read(&chunk)) tokens += chunk.token_ids_size();
  ASSERT_GE(tokens, 5);
  context.TryCancel();
  while (reader->Read(&chunk)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // The engine frees the request within a step.
  EXPECT_TRUE(WaitIdle(absl::Seconds(2)));
}

TEST_F(ServerIntegrationTest, DeadlineExceeded) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(200));
  GenerateResponse response;
  EXPECT_EQ(stub_->Generate(&context, LongRequest(), &response).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_TRUE(WaitIdle(absl::Seconds(2)));
}

// GET http://127.0.0.1:port/metrics with a plain socket.
std::string HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return "";
  }
  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
  (void)!write(fd, request.data(), request.size());
  std::string response;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) response.append(buffer, n);
  close(fd);
  return response;
}

TEST_F(ServerIntegrationTest, MetricsEndpointServesTheDocumentedNames) {
  prometheus::Exposer exposer("127.0.0.1:0");
  auto stats = std::make_shared<EngineStatsCollector>(*pool_);
  exposer.RegisterCollectable(server_->registry());
  exposer.RegisterCollectable(stats);
  {
    grpc::ClientContext context;
    GenerateResponse response;
    ASSERT_TRUE(stub_->Generate(&context, GoldenRequest(), &response).ok());
  }
  const std::string page =
      HttpGet(exposer.GetListeningPorts().at(0), "/metrics");
  ASSERT_THAT(page, HasSubstr("200 OK"));
  std::vector<std::string> names = EngineStatsCollector::FamilyNames();
  for (const char* name :
       {"gemma4_requests_total", "gemma4_request_duration_seconds",
        "gemma4_time_to_first_token_seconds",
        "gemma4_inter_token_latency_seconds",
        "gemma4_request_queue_time_seconds",
        "gemma4_request_prefill_time_seconds",
        "gemma4_request_decode_time_seconds", "gemma4_request_prompt_tokens",
        "gemma4_request_generation_tokens", "gemma4_prompt_tokens_total",
        "gemma4_generation_tokens_total"}) {
    names.push_back(name);
  }
  for (const std::string& name : names) {
    EXPECT_THAT(page, HasSubstr("# TYPE " + name + " ")) << name;
  }
  EXPECT_THAT(page,
              HasSubstr(absl::StrCat("gemma4_generation_tokens_total{model=\"",
                                     kModel, "\"} 16")));
  EXPECT_THAT(page,
              HasSubstr(absl::StrCat("gemma4_num_requests_waiting{model=\"",
                                     kModel, "\"} 0")));
  exposer.RemoveCollectable(stats);
}

TEST_F(ServerIntegrationTest, ClientCommandGeneratesJson) {
  const std::vector<int32_t> prompt = Npy("prompt0_token_ids.npy");
  std::string ids;
  for (size_t i = 0; i < prompt.size(); ++i) {
    absl::StrAppend(&ids, i ? "," : "", prompt[i]);
  }
  const std::string max_length = std::to_string(prompt.size() + 16);
  std::vector<std::string> args = {
      "gemma4",   "client",       "--target", server_->target(),
      "generate", "--model",      kModel,     "--token-ids",
      ids,        "--max-length", max_length, "--stop-token-ids",
      "none",     "--format",     "json"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  ::testing::internal::CaptureStdout();
  const int rc =
      tools::RunClientCommand(static_cast<int>(argv.size()), argv.data());
  const std::string out = ::testing::internal::GetCapturedStdout();
  ASSERT_EQ(rc, 0) << out;
  const nlohmann::json json = nlohmann::json::parse(out);
  EXPECT_EQ(json["token_ids"].get<std::vector<int32_t>>(),
            Npy("prompt0_generate_token_ids.npy"));

  args = {"gemma4", "client", "--target", server_->target(), "health"};
  argv.clear();
  for (std::string& a : args) argv.push_back(a.data());
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(tools::RunClientCommand(static_cast<int>(argv.size()), argv.data()),
            0);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "SERVING\n");
}

// Runs last in this binary: drains the shared pool for good.
TEST_F(ServerIntegrationTest, ZzDrainLetsRunningRequestsFinish) {
  GenerateRequest request = LongRequest();
  request.mutable_options()->set_max_new_tokens(300);
  grpc::ClientContext context;
  auto reader = stub_->StreamGenerate(&context, request);
  GenerateStreamChunk chunk;
  ASSERT_TRUE(reader->Read(&chunk));
  std::thread drain([this] {
    EXPECT_EQ(DrainAndShutdown(server_->grpc_server(), server_->service(),
                               *pool_, absl::Seconds(60)),
              0);
  });
  // Health flips to NOT_SERVING and new calls are refused...
  const absl::Time end = absl::Now() + absl::Seconds(5);
  auto health = testing::CheckHealth(*channel_, "");
  while (health.ok() && *health == HealthCheckResponse::SERVING &&
         absl::Now() < end) {
    health = testing::CheckHealth(*channel_, "");
  }
  if (health.ok()) {
    EXPECT_EQ(*health, HealthCheckResponse::NOT_SERVING);
  }
  GenerateResponse response;
  grpc::ClientContext refused;
  EXPECT_EQ(stub_->Generate(&refused, GoldenRequest(), &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // ...while the running stream completes normally.
  int tokens = chunk.token_ids_size();
  bool final_seen = false;
  while (reader->Read(&chunk)) {
    tokens += chunk.token_ids_size();
    final_seen |= chunk.has_final();
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_TRUE(final_seen);
  EXPECT_EQ(tokens, 300);
  drain.join();
  server_->Stop();
}

}  // namespace
}  // namespace gemma::server
