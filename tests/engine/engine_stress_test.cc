// A bounded stress test of one engine instance on a real (tiny golden)
// model: 64 streams submitted from several threads, with random
// cancellations, deadlines and queue-limit refusals. Every accepted request
// must be answered exactly once per prompt, and the engine must end idle:
// nothing running or waiting, no KV block in use.
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tests/engine/engine_test_util.h"
#include "tests/testing/status_matchers.h"

namespace gemma::engine {
namespace {

struct Stream {
  std::shared_ptr<CollectingSink> sink;
  std::shared_ptr<CancellationFlag> cancel;
  int cancel_after_ms = -1;  // < 0: never.
  bool accepted = false;
  absl::Status submit_status;
};

TEST(EngineStressTest, SixtyFourStreamsWithCancellationsAndDeadlines) {
  ASSERT_OK_AND_ASSIGN(std::vector<GoldenPrompt> goldens, LoadGoldenPrompts());
  ModelSpec spec = GoldenSpec();
  spec.kv_cache_tokens = 1024;  // Tight enough to preempt now and then.
  spec.queue.max_requests = 40;
  spec.scheduler.max_running = 16;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> pool, MakePool(spec));

  std::vector<int32_t> material;
  for (const GoldenPrompt& g : goldens) {
    material.insert(material.end(), g.prompt.begin() + 1, g.prompt.end());
  }
  constexpr int kStreams = 64;
  constexpr int kSubmitters = 4;
  std::vector<Stream> streams(kStreams);
  std::vector<Request> requests(kStreams);
  std::mt19937 rng(20261127);
  for (int i = 0; i < kStreams; ++i) {
    Stream& s = streams[i];
    const int num_prompts = i % 8 == 0 ? 2 : 1;
    s.sink = std::make_shared<CollectingSink>(num_prompts);
    s.cancel = std::make_shared<CancellationFlag>();
    Request& r = requests[i];
    r.model = kTestModel;
    for (int p = 0; p < num_prompts; ++p) {
      PromptInput in;
      in.token_ids.push_back(2);
      const int len = 1 + rng() % 60;
      for (int j = 0; j < len; ++j) {
        in.token_ids.push_back(material[rng() % material.size()]);
      }
      r.prompts.push_back(std::move(in));
    }
    r.params.max_new_tokens = 1 + rng() % 40;
    r.params.stop_mode = StopTokensMode::kNone;
    r.params.sampler.type =
        i % 2 == 0 ? SamplerType::kGreedy : SamplerType::kTopK;
    r.params.sampler.seed = i;
    r.params.priority = i % 3;
    r.sink = s.sink;
    r.cancel = s.cancel;
    switch (i % 4) {
      case 1:
        s.cancel_after_ms = rng() % 300;
        break;
      case 2:
        r.deadline = absl::Now() + absl::Milliseconds(50 + rng() % 400);
        break;
      default:
        break;
    }
  }

  const absl::Time start = absl::Now();
  std::vector<std::thread> submitters;
  for (int t = 0; t < kSubmitters; ++t) {
    submitters.emplace_back([&, t] {
      for (int i = t; i < kStreams; i += kSubmitters) {
        streams[i].submit_status = pool->Submit(std::move(requests[i]));
        streams[i].accepted = streams[i].submit_status.ok();
      }
    });
  }
  for (auto& th : submitters) th.join();
  std::thread canceller([&] {
    for (int ms = 0; ms <= 300; ms += 10) {
      for (Stream& s : streams) {
        if (s.cancel_after_ms >= 0 && s.cancel_after_ms <= ms) {
          s.cancel->Cancel();
        }
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
  });
  canceller.join();

  int accepted = 0, refused = 0, cancelled = 0, expired = 0;
  for (int i = 0; i < kStreams; ++i) {
    Stream& s = streams[i];
    if (!s.accepted) {
      // Only admission control (queue full) or an already-impossible
      // deadline may refuse these requests.
      const absl::StatusCode code = s.submit_status.code();
      EXPECT_TRUE(code == absl::StatusCode::kResourceExhausted ||
                  code == absl::StatusCode::kDeadlineExceeded)
          << s.submit_status;
      ++refused;
      continue;
    }
    ++accepted;
    ASSERT_TRUE(s.sink->WaitDone(absl::Seconds(60))) << "stream " << i;
    EXPECT_EQ(s.sink->violations(), 0) << "stream " << i;
    const GenerationResult r = s.sink->result();
    switch (r.finish_reason) {
      case FinishReason::kCancelled:
        EXPECT_GE(s.cancel_after_ms, 0) << "stream " << i;
        ++cancelled;
        break;
      case FinishReason::kDeadline:
        ++expired;
        break;
      case FinishReason::kLength:
        EXPECT_OK(r.status);
        break;
      default:
        ADD_FAILURE() << "stream " << i << ": unexpected finish "
                      << static_cast<int>(r.finish_reason) << " " << r.status;
    }
  }
  EXPECT_GT(accepted, 0);
  EXPECT_LT(absl::Now() - start, absl::Seconds(90));
  // Idle at the end: no request in flight, nothing running or waiting, no
  // KV block referenced (prefix-cache blocks may stay cached, unreferenced).
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(pool->InFlight(), 0);
  for (const EngineStats& st : pool->Stats()) {
    EXPECT_EQ(st.running_sequences, 0);
    EXPECT_EQ(st.waiting_requests, 0);
    EXPECT_EQ(st.waiting_prompt_tokens, 0);
    EXPECT_EQ(st.kv_blocks_used, 0);
  }
  std::cout << "accepted " << accepted << ", refused " << refused
            << ", cancelled " << cancelled << ", expired " << expired
            << std::endl;
}

}  // namespace
}  // namespace gemma::engine
