// ModelPool as the server sees it: model listing, routing by name, errors
// for unknown models and bad requests, thread budgets, draining, and
// spreading requests over instances.
#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/engine_test_util.h"
#include "tests/testing/status_matchers.h"

namespace gemma::engine {
namespace {

using ::gemma::testing::StatusIs;

TEST(ModelPoolTest, ListsModelsAndRefusesUnknownOnes) {
  ModelSpec a = GoldenSpec("e2b_like");
  ModelSpec b = GoldenSpec("dense_like");
  b.name = "dense";
  PoolOptions options;
  options.total_threads = 2;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> pool,
                       ModelPool::Create({a, b}, options));
  std::vector<ModelInfo> models = pool->ListModels();
  ASSERT_EQ(models.size(), 2u);
  EXPECT_EQ(models[0].name, kTestModel);
  EXPECT_EQ(models[0].vocab_size, 768);
  EXPECT_EQ(models[0].num_layers, 6);
  EXPECT_EQ(models[0].context_length, 4096);
  EXPECT_EQ(models[1].name, "dense");
  EXPECT_FALSE(models[0].random_weights);

  auto sink = std::make_shared<CollectingSink>();
  Request r = MakeRequest({2, 300, 301}, FixedLengthGreedy(2), sink);
  r.model = "nope";
  EXPECT_THAT(pool->Submit(r), StatusIs(absl::StatusCode::kNotFound, "dense"));
  EXPECT_THAT(pool->GetFrontend("nope"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(pool->GetFrontend("dense"));

  // Both models answer.
  r.model = "dense";
  ASSERT_OK(pool->Submit(r));
  ASSERT_TRUE(sink->WaitDone(absl::Seconds(30)));
  EXPECT_EQ(sink->result().token_ids.size(), 5u);
}

TEST(ModelPoolTest, RefusesBadRequestsAtOnce) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> pool, MakePool(GoldenSpec()));
  auto sink = std::make_shared<CollectingSink>();
  // Token id outside the 768-token vocabulary.
  EXPECT_THAT(pool->Submit(MakeRequest({2, 5000}, FixedLengthGreedy(2), sink)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // No prompt.
  Request empty = MakeRequest({2}, FixedLengthGreedy(2), sink);
  empty.prompts.clear();
  EXPECT_THAT(pool->Submit(empty),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A deadline already passed.
  Request late = MakeRequest({2, 300}, FixedLengthGreedy(2), sink);
  late.deadline = absl::Now() - absl::Seconds(1);
  EXPECT_THAT(pool->Submit(late),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(pool->InFlight(), 0);
  EXPECT_EQ(sink->num_done(), 0);
}

TEST(ModelPoolTest, ThreadBudgetsNeverOversubscribe) {
  ModelSpec spec = GoldenSpec();
  spec.instances = 3;
  spec.threads = 0;
  PoolOptions options;
  options.total_threads = 2;
  EXPECT_THAT(ModelPool::Create({spec}, options),
              StatusIs(absl::StatusCode::kInvalidArgument, "oversubscribe"));
  spec.threads = 2;  // Fewer threads than instances.
  options.total_threads = 4;
  EXPECT_THAT(ModelPool::Create({spec}, options),
              StatusIs(absl::StatusCode::kInvalidArgument, "split"));
}

TEST(ModelPoolTest, SpreadsRequestsOverInstances) {
  ModelSpec spec = GoldenSpec();
  spec.instances = 2;
  spec.threads = 2;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> pool, MakePool(spec));
  std::vector<std::shared_ptr<CollectingSink>> sinks;
  for (int i = 0; i < 8; ++i) {
    sinks.push_back(std::make_shared<CollectingSink>());
    ASSERT_OK(pool->Submit(
        MakeRequest({2, 300, 301, 302}, FixedLengthGreedy(20), sinks.back())));
  }
  for (auto& s : sinks) ASSERT_TRUE(s->WaitDone(absl::Seconds(60)));
  std::vector<EngineStats> stats = pool->Stats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].instance, 0);
  EXPECT_EQ(stats[1].instance, 1);
  EXPECT_GT(stats[0].steps_total, 0);
  EXPECT_GT(stats[1].steps_total, 0);
  // Same request, same tokens, whichever instance ran it.
  for (auto& s : sinks) {
    EXPECT_EQ(s->result().token_ids, sinks[0]->result().token_ids);
  }
}

TEST(ModelPoolTest, DrainingRefusesNewWorkAndFinishesRunningWork) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> pool, MakePool(GoldenSpec()));
  auto sink = std::make_shared<CollectingSink>();
  ASSERT_OK(
      pool->Submit(MakeRequest({2, 300, 301}, FixedLengthGreedy(30), sink)));
  pool->StartDraining();
  auto late = std::make_shared<CollectingSink>();
  EXPECT_THAT(pool->Submit(MakeRequest({2, 300}, FixedLengthGreedy(2), late)),
              StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_TRUE(sink->WaitDone(absl::Seconds(30)));
  EXPECT_EQ(sink->result().finish_reason, FinishReason::kLength);
  EXPECT_EQ(pool->InFlight(), 0);
}

TEST(ModelPoolTest, ShutdownAnswersEveryOutstandingPrompt) {
  auto sink = std::make_shared<CollectingSink>(2);
  {
    ModelSpec spec = GoldenSpec();
    spec.scheduler.max_running = 1;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> pool, MakePool(spec));
    Request r = MakeRequest({2, 300, 301}, FixedLengthGreedy(200), sink);
    r.prompts.push_back(r.prompts[0]);
    ASSERT_OK(pool->Submit(r));
  }  // Destroyed with work outstanding.
  EXPECT_EQ(sink->num_done(), 2);
  EXPECT_EQ(sink->violations(), 0);
}

TEST(ModelPoolTest, CancelledRequestEndsAndFreesItsBlocks) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> pool, MakePool(GoldenSpec()));
  auto sink = std::make_shared<CollectingSink>();
  Request r = MakeRequest({2, 300, 301}, FixedLengthGreedy(1000), sink);
  r.cancel = std::make_shared<CancellationFlag>();
  std::shared_ptr<CancellationFlag> cancel = r.cancel;
  ASSERT_OK(pool->Submit(std::move(r)));
  while (pool->Stats()[0].steps_total < 3)
    absl::SleepFor(absl::Milliseconds(1));
  cancel->Cancel();
  ASSERT_TRUE(sink->WaitDone(absl::Seconds(30)));
  EXPECT_EQ(sink->result().finish_reason, FinishReason::kCancelled);
  EXPECT_LT(sink->streamed().size(), 1000u);
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(pool->Stats()[0].kv_blocks_used, 0);
  EXPECT_EQ(pool->InFlight(), 0);
}

}  // namespace
}  // namespace gemma::engine
