#include <string>

#include "engine/waiting_queue.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace gemma::engine {
namespace {

using ::gemma::testing::StatusIs;

TEST(WaitingQueueTest, PriorityThenFifo) {
  WaitingQueue<std::string> q({10, 1000});
  ASSERT_OK(q.TryPush("a", 1, 0, 0));
  ASSERT_OK(q.TryPush("b", 1, 5, 0));
  ASSERT_OK(q.TryPush("c", 1, 0, 0));
  ASSERT_OK(q.TryPush("d", 1, 5, 0));
  EXPECT_EQ(q.PopFront(), "b");
  EXPECT_EQ(q.PopFront(), "d");
  EXPECT_EQ(q.PopFront(), "a");
  EXPECT_EQ(q.PopFront(), "c");
  EXPECT_TRUE(q.empty());
}

TEST(WaitingQueueTest, BoundedByRequests) {
  WaitingQueue<int> q({2, 1000});
  ASSERT_OK(q.TryPush(1, 10, 0, 0));
  ASSERT_OK(q.TryPush(2, 10, 0, 0));
  EXPECT_THAT(q.TryPush(3, 10, 0, 0),
              StatusIs(absl::StatusCode::kResourceExhausted, "retry after"));
  EXPECT_EQ(q.size(), 2);
}

TEST(WaitingQueueTest, BoundedByPromptTokensWithRetryHint) {
  WaitingQueue<int> q({100, 100});
  ASSERT_OK(q.TryPush(1, 80, 0, 0));
  // 80 + 50 exceeds 100 by 30 tokens; at 10 tokens/s that is 3 s.
  EXPECT_THAT(
      q.TryPush(2, 50, 0, 10.0),
      StatusIs(absl::StatusCode::kResourceExhausted, "retry after 3 s"));
  EXPECT_EQ(q.queued_tokens(), 80);
  ASSERT_OK(q.TryPush(3, 20, 0, 0));
  EXPECT_EQ(q.queued_tokens(), 100);
  q.PopFront();
  EXPECT_EQ(q.queued_tokens(), 20);
}

TEST(WaitingQueueTest, NeverFittingRequestIsInvalid) {
  WaitingQueue<int> q({100, 100});
  EXPECT_THAT(q.TryPush(1, 101, 0, 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(WaitingQueueTest, RemoveIfKeepsOrderAndTokens) {
  WaitingQueue<int> q({100, 1000});
  for (int i = 0; i < 6; ++i) ASSERT_OK(q.TryPush(i, i, 0, 0));
  std::vector<int> odd = q.RemoveIf([](const int& v) { return v % 2 == 1; });
  EXPECT_EQ(odd, (std::vector<int>{1, 3, 5}));
  EXPECT_EQ(q.queued_tokens(), 0 + 2 + 4);
  EXPECT_EQ(q.PopFront(), 0);
}

}  // namespace
}  // namespace gemma::engine
