// The RPC edge end to end over a real gRPC server on 127.0.0.1 (port 0),
// with a deterministic FakeEngine behind it (see fake_engine.h), so every
// expected value is known exactly.
#include "server/gemma_service.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "proto/gemma4_service.grpc.pb.h"
#include "server/grpc_server.h"
#include "server/server_metrics.h"
#include "tests/server/fake_engine.h"
#include "tests/server/grpc_test_clients.h"
#include "tests/testing/status_matchers.h"

namespace gemma::server {
namespace {

using gemma::testing::FakeEngine;
using gemma4::v1::GenerateRequest;
using gemma4::v1::GenerateResponse;
using gemma4::v1::GenerateStreamChunk;
using grpc::health::v1::HealthCheckResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct ServerSetup {
  absl::Duration step_delay = absl::ZeroDuration();
  int max_queue = 16;
  int64_t max_message_bytes = int64_t{64} << 20;
  bool attach = true;
};

class GemmaServiceTest : public ::testing::Test {
 protected:
  void Start(const ServerSetup& setup = {}) {
    engine_ = std::make_unique<FakeEngine>(setup.step_delay, setup.max_queue);
    metrics_ = std::make_unique<ServerMetrics>(registry_);
    service_ = std::make_unique<GemmaService>(metrics_.get());
    GrpcServerOptions options;
    options.address = "127.0.0.1:0";
    options.max_message_bytes = setup.max_message_bytes;
    ASSERT_OK_AND_ASSIGN(server_, StartGrpcServer(options, service_.get()));
    if (setup.attach) {
      service_->AttachEngine(engine_.get());
      SetServing(*server_.server, true);
    }
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_.port),
                                   grpc::InsecureChannelCredentials());
    stub_ = gemma4::v1::Gemma::NewStub(channel_);
  }

  void TearDown() override {
    if (server_.server != nullptr) {
      server_.server->Shutdown(std::chrono::system_clock::now() +
                               std::chrono::seconds(5));
    }
    engine_.reset();
  }

  static GenerateRequest TokenRequest(std::vector<std::vector<int>> prompts,
                                      int max_new_tokens) {
    GenerateRequest request;
    request.set_model("fake");
    for (const auto& ids : prompts) {
      auto* p = request.add_prompts()->mutable_token_ids();
      for (int id : ids) p->add_ids(id);
    }
    request.mutable_options()->set_max_new_tokens(max_new_tokens);
    request.mutable_options()->mutable_stop_tokens()->set_mode(
        gemma4::v1::StopTokens::MODE_NONE);
    return request;
  }

  grpc::Status Generate(const GenerateRequest& request,
                        GenerateResponse* response,
                        absl::Duration timeout = absl::Seconds(20)) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    return stub_->Generate(&context, request, response);
  }

  grpc::Status Stream(const GenerateRequest& request,
                      std::vector<GenerateStreamChunk>* chunks) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    auto reader = stub_->StreamGenerate(&context, request);
    GenerateStreamChunk chunk;
    while (reader->Read(&chunk)) chunks->push_back(chunk);
    return reader->Finish();
  }

  // Waits until the engine has nothing in flight; false after `timeout`.
  bool WaitIdle(absl::Duration timeout) {
    const absl::Time end = absl::Now() + timeout;
    while (engine_->InFlight() > 0) {
      if (absl::Now() > end) return false;
      absl::SleepFor(absl::Milliseconds(2));
    }
    return true;
  }

  // The health status of `service`, or -1 when the check fails.
  int Health(const std::string& service) {
    auto status = gemma::testing::CheckHealth(*channel_, service);
    return status.ok() ? static_cast<int>(*status) : -1;
  }

  std::string MetricsText() {
    return prometheus::TextSerializer().Serialize(registry_.Collect());
  }

  prometheus::Registry registry_;
  std::unique_ptr<FakeEngine> engine_;
  std::unique_ptr<ServerMetrics> metrics_;
  std::unique_ptr<GemmaService> service_;
  StartedServer server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<gemma4::v1::Gemma::Stub> stub_;
};

TEST_F(GemmaServiceTest, ListModels) {
  Start();
  grpc::ClientContext context;
  gemma4::v1::ListModelsResponse response;
  ASSERT_TRUE(stub_->ListModels(&context, {}, &response).ok());
  ASSERT_EQ(response.models_size(), 1);
  EXPECT_EQ(response.models(0).name(), "fake");
  EXPECT_EQ(response.models(0).vocab_size(), FakeEngine::kVocab);
  EXPECT_EQ(response.models(0).context_length(), FakeEngine::kContext);
  EXPECT_THAT(response.models(0).modalities(), ElementsAre("text"));
}

TEST_F(GemmaServiceTest, GenerateReturnsPromptAndContinuationInOrder) {
  Start();
  GenerateResponse response;
  const grpc::Status status =
      Generate(TokenRequest({{2, 5, 6}, {2, 40}}, 3), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.model(), "fake");
  ASSERT_EQ(response.completions_size(), 2);
  const auto& a = response.completions(0);
  EXPECT_EQ(a.prompt_index(), 0);
  EXPECT_THAT(a.token_ids(), ElementsAre(2, 5, 6, 7, 8, 9));
  EXPECT_EQ(a.text(), "t7 t8 t9 ");
  EXPECT_EQ(a.finish_reason(), gemma4::v1::FINISH_REASON_LENGTH);
  EXPECT_EQ(a.usage().prompt_tokens(), 3);
  EXPECT_EQ(a.usage().completion_tokens(), 3);
  EXPECT_FALSE(a.has_chat());
  EXPECT_THAT(response.completions(1).token_ids(),
              ElementsAre(2, 40, 41, 42, 43));
}

TEST_F(GemmaServiceTest, GenerateStopTokenAndLogprobs) {
  Start();
  GenerateRequest request = TokenRequest({{2, 97}}, 10);
  auto* stops = request.mutable_options()->mutable_stop_tokens();
  stops->set_mode(gemma4::v1::StopTokens::MODE_EXPLICIT);
  stops->add_ids(99);
  request.mutable_options()->set_top_logprobs(1);
  request.mutable_options()->set_strip_prompt(true);
  GenerateResponse response;
  ASSERT_TRUE(Generate(request, &response).ok());
  const auto& c = response.completions(0);
  EXPECT_THAT(c.token_ids(), ElementsAre(98, 99));
  EXPECT_EQ(c.finish_reason(), gemma4::v1::FINISH_REASON_STOP_TOKEN);
  EXPECT_EQ(c.matched_stop_token_id(), 99);
  ASSERT_EQ(c.logprobs_size(), 2);
  EXPECT_EQ(c.logprobs(1).token_id(), 99);
}

TEST_F(GemmaServiceTest, StreamChunksConcatenateToTheUnaryResult) {
  Start();
  const GenerateRequest request = TokenRequest({{2, 5}, {2, 70, 71}}, 5);
  GenerateResponse unary;
  ASSERT_TRUE(Generate(request, &unary).ok());
  std::vector<GenerateStreamChunk> chunks;
  const grpc::Status status = Stream(request, &chunks);
  ASSERT_TRUE(status.ok()) << status.error_message();
  for (int p = 0; p < 2; ++p) {
    std::string text;
    std::vector<int> ids;
    int finals = 0;
    for (const GenerateStreamChunk& c : chunks) {
      if (c.prompt_index() != p) continue;
      EXPECT_EQ(finals, 0) << "chunk after the final one";
      text += c.text();
      ids.insert(ids.end(), c.token_ids().begin(), c.token_ids().end());
      if (c.has_final()) {
        ++finals;
        EXPECT_EQ(c.final().finish_reason(),
                  unary.completions(p).finish_reason());
        EXPECT_EQ(c.final().usage().completion_tokens(),
                  unary.completions(p).usage().completion_tokens());
      }
    }
    EXPECT_EQ(finals, 1);
    EXPECT_EQ(text, unary.completions(p).text());
    const auto& all = unary.completions(p).token_ids();
    const int prompt_len = unary.completions(p).usage().prompt_tokens();
    EXPECT_EQ(ids, std::vector<int>(all.begin() + prompt_len, all.end()));
  }
}

TEST_F(GemmaServiceTest, UnknownModelIsNotFound) {
  Start();
  GenerateRequest request = TokenRequest({{2, 5}}, 3);
  request.set_model("gemma-9000");
  GenerateResponse response;
  const grpc::Status status = Generate(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("served models: fake"));
  std::vector<GenerateStreamChunk> chunks;
  EXPECT_EQ(Stream(request, &chunks).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(chunks.empty());
  EXPECT_THAT(
      MetricsText(),
      HasSubstr(
          R"(gemma4_requests_total{code="NOT_FOUND",model="unknown",rpc="Generate"} 1)"));
}

TEST_F(GemmaServiceTest, BadParametersAreInvalidArgument) {
  Start();
  GenerateRequest request = TokenRequest({{2, 5}}, 3);
  request.mutable_options()->mutable_sampler()->set_type(
      gemma4::v1::SAMPLER_TYPE_TOP_P);
  request.mutable_options()->mutable_sampler()->set_p(2.0f);
  GenerateResponse response;
  grpc::Status status = Generate(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("options.sampler.p"));
  std::vector<GenerateStreamChunk> chunks;
  EXPECT_EQ(Stream(request, &chunks).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // max_length below the prompt.
  request = TokenRequest({{2, 5, 6, 7}}, 3);
  request.mutable_options()->set_max_length(3);
  status = Generate(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("max_length"));
  // Token outside the vocabulary; no prompts at all.
  status = Generate(TokenRequest({{2, 100}}, 3), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  status = Generate(TokenRequest({}, 3), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(engine_->submitted(), 0);
}

TEST_F(GemmaServiceTest, HealthAndReflection) {
  ServerSetup setup;
  setup.attach = false;
  Start(setup);
  EXPECT_EQ(Health(""), HealthCheckResponse::NOT_SERVING);
  // While loading, calls are refused UNAVAILABLE.
  GenerateResponse response;
  EXPECT_EQ(Generate(TokenRequest({{2}}, 1), &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  service_->AttachEngine(engine_.get());
  SetServing(*server_.server, true);
  EXPECT_EQ(Health(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Health(kGemmaServiceName), HealthCheckResponse::SERVING);
  EXPECT_EQ(Health("no.Such"), -1);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> services,
                       gemma::testing::ListServicesByReflection(channel_));
  EXPECT_THAT(services, ::testing::Contains("gemma4.v1.Gemma"));
  EXPECT_THAT(services, ::testing::Contains("grpc.health.v1.Health"));
}

TEST_F(GemmaServiceTest, DrainingRefusesNewCalls) {
  Start();
  service_->StartDraining();
  SetServing(*server_.server, false);
  GenerateResponse response;
  const grpc::Status status = Generate(TokenRequest({{2}}, 1), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("shutting down"));
  EXPECT_EQ(Health(""), HealthCheckResponse::NOT_SERVING);
}

TEST_F(GemmaServiceTest, CancellingAStreamStopsGeneration) {
  ServerSetup setup;
  setup.step_delay = absl::Milliseconds(20);
  Start(setup);
  // 60 tokens at 20 ms would take 1.2 s.
  GenerateRequest request = TokenRequest({{2, 3}}, 60);
  grpc::ClientContext context;
  auto reader = stub_->StreamGenerate(&context, request);
  GenerateStreamChunk chunk;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(reader->Read(&chunk));
  const absl::Time cancelled_at = absl::Now();
  context.TryCancel();
  while (reader->Read(&chunk)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(WaitIdle(absl::Seconds(1)));
  // Stopped within a few steps, well before the 1.2 s full run (with slack
  // for a loaded machine).
  EXPECT_LT(absl::Now() - cancelled_at, absl::Milliseconds(900));
}

TEST_F(GemmaServiceTest, DeadlineIsHonoured) {
  ServerSetup setup;
  setup.step_delay = absl::Milliseconds(20);
  Start(setup);
  GenerateResponse response;
  const absl::Time start = absl::Now();
  const grpc::Status status =
      Generate(TokenRequest({{2, 3}}, 60), &response, absl::Milliseconds(150));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ASSERT_TRUE(WaitIdle(absl::Seconds(1)));
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(1000));
}

TEST_F(GemmaServiceTest, OversizedMessageIsResourceExhausted) {
  ServerSetup setup;
  setup.max_message_bytes = 1024;
  Start(setup);
  std::vector<int> ids(2000, 5);
  GenerateResponse response;
  const grpc::Status status = Generate(TokenRequest({ids}, 1), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(GemmaServiceTest, FullQueueIsResourceExhaustedAndOthersCarryOn) {
  ServerSetup setup;
  setup.step_delay = absl::Milliseconds(10);
  setup.max_queue = 1;
  Start(setup);
  // A runs on the worker, B waits in the one queue slot, C is refused.
  grpc::ClientContext context_a;
  auto a = stub_->StreamGenerate(&context_a, TokenRequest({{2, 3}}, 30));
  GenerateStreamChunk chunk;
  ASSERT_TRUE(a->Read(&chunk));
  grpc::ClientContext context_b;
  auto b = stub_->StreamGenerate(&context_b, TokenRequest({{2, 50}}, 2));
  while (engine_->submitted() < 2) absl::SleepFor(absl::Milliseconds(1));
  GenerateResponse response;
  const grpc::Status refused = Generate(TokenRequest({{2}}, 1), &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // The refusal and a bad request leave A and B untouched.
  GenerateRequest bad = TokenRequest({{2}}, 1);
  bad.mutable_options()->mutable_sampler()->set_temperature(-1);
  EXPECT_EQ(Generate(bad, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  std::string text_a = chunk.text();
  while (a->Read(&chunk)) text_a += chunk.text();
  EXPECT_TRUE(a->Finish().ok());
  EXPECT_THAT(text_a, HasSubstr("t4 t5 t6"));
  std::string text_b;
  while (b->Read(&chunk)) text_b += chunk.text();
  EXPECT_TRUE(b->Finish().ok());
  EXPECT_EQ(text_b, "t51 t52 ");
}

TEST_F(GemmaServiceTest, MetricsRecordOutcomes) {
  Start();
  GenerateResponse response;
  ASSERT_TRUE(Generate(TokenRequest({{2, 5}}, 4), &response).ok());
  std::vector<GenerateStreamChunk> chunks;
  ASSERT_TRUE(Stream(TokenRequest({{2, 5}}, 4), &chunks).ok());
  const std::string text = MetricsText();
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(gemma4_requests_total{code="OK",model="fake",rpc="Generate"} 1)"));
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(gemma4_requests_total{code="OK",model="fake",rpc="StreamGenerate"} 1)"));
  EXPECT_THAT(text,
              HasSubstr(R"(gemma4_generation_tokens_total{model="fake"} 8)"));
  EXPECT_THAT(text, HasSubstr(R"(gemma4_prompt_tokens_total{model="fake"} 4)"));
  // 3 gaps between 4 single-token chunks, per call.
  EXPECT_THAT(
      text,
      HasSubstr(R"(gemma4_inter_token_latency_seconds_count{model="fake"} 6)"));
  EXPECT_THAT(text, HasSubstr(R"(gemma4_rpcs_in_flight{rpc="Generate"} 0)"));
}

}  // namespace
}  // namespace gemma::server
