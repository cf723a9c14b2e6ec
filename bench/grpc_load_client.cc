#include "bench/grpc_load_client.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "proto/gemma4_service.grpc.pb.h"

namespace gemma::bench {
namespace {

gemma4::v1::GenerateRequest MakeRequest(const LoadShape& shape, int index) {
  std::mt19937 rng(static_cast<uint32_t>(index));
  gemma4::v1::GenerateRequest request;
  request.set_model(shape.model);
  auto* ids = request.add_prompts()->mutable_token_ids()->mutable_ids();
  ids->Add(2);  // BOS.
  // Ids inside every Gemma vocabulary (the tiny test model has 768).
  for (int i = 1; i < shape.prompt_tokens; ++i) ids->Add(300 + rng() % 400);
  request.mutable_options()->set_max_new_tokens(shape.new_tokens);
  request.mutable_options()->mutable_stop_tokens()->set_mode(
      gemma4::v1::StopTokens::MODE_NONE);
  return request;
}

// One client: a streamed call, every token's arrival time recorded.
absl::Status RunStream(gemma4::v1::Gemma::Stub& stub,
                       const gemma4::v1::GenerateRequest& request,
                       int new_tokens, StreamTiming* timing) {
  grpc::ClientContext context;
  timing->sent = absl::Now();
  auto reader = stub.StreamGenerate(&context, request);
  gemma4::v1::GenerateStreamChunk chunk;
  while (reader->Read(&chunk)) {
    const absl::Time now = absl::Now();
    for (int i = 0; i < chunk.token_ids_size(); ++i) {
      timing->token_times.push_back(now);
    }
  }
  const grpc::Status status = reader->Finish();
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("StreamGenerate failed (code ",
                                            status.error_code(),
                                            "): ", status.error_message()));
  }
  if (static_cast<int>(timing->token_times.size()) != new_tokens) {
    return absl::InternalError(absl::StrCat("got ", timing->token_times.size(),
                                            " tokens, expected ", new_tokens,
                                            " (stop tokens are off)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LoadRun> RunLoad(const LoadShape& shape, int streams,
                                int first_index, Offer offer) {
  LoadRun run;
  run.streams = streams;
  run.one_at_a_time = offer != Offer::kConcurrent;
  run.timings.resize(streams);
  std::vector<gemma4::v1::GenerateRequest> requests;
  for (int i = 0; i < streams; ++i) {
    requests.push_back(MakeRequest(shape, first_index + i));
  }
  auto channel =
      grpc::CreateChannel(shape.target, grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                 std::chrono::seconds(30))) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to ", shape.target));
  }
  auto stub = gemma4::v1::Gemma::NewStub(channel);
  std::vector<absl::Status> results(streams);
  absl::Notification go;
  std::vector<std::thread> clients;
  if (offer == Offer::kOneAfterAnother) {
    clients.emplace_back([&] {
      go.WaitForNotification();
      const absl::Time all_sent = absl::Now();
      for (int i = 0; i < streams && (i == 0 || results[i - 1].ok()); ++i) {
        results[i] =
            RunStream(*stub, requests[i], shape.new_tokens, &run.timings[i]);
        run.timings[i].sent = all_sent;
      }
    });
  } else {
    for (int i = 0; i < streams; ++i) {
      clients.emplace_back([&, i] {
        go.WaitForNotification();
        results[i] =
            RunStream(*stub, requests[i], shape.new_tokens, &run.timings[i]);
      });
    }
  }
  const absl::Time start = absl::Now();
  go.Notify();
  for (std::thread& t : clients) t.join();
  absl::Time end = start;
  for (const StreamTiming& t : run.timings) {
    if (!t.token_times.empty()) end = std::max(end, t.token_times.back());
  }
  run.wall_seconds = absl::ToDoubleSeconds(end - start);
  for (int i = 0; i < streams; ++i) {
    if (!results[i].ok()) {
      return absl::Status(results[i].code(),
                          absl::StrCat("stream ", i, " of ", streams, ": ",
                                       results[i].message()));
    }
  }
  return run;
}

}  // namespace gemma::bench
