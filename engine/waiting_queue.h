// The bounded queue of requests waiting for admission to an engine
// instance: ordered by priority (higher first), FIFO within a priority, and
// bounded both by the number of requests and by their queued prompt tokens.
//
// TryPush() is the admission-control point: beyond either bound it refuses
// with RESOURCE_EXHAUSTED, whose message carries a retry hint computed from
// the caller's estimate of how fast the queue drains.
//
// Thread-safety: not thread-safe; the engine instance guards it with its
// inbox mutex.
#ifndef GEMMA_ENGINE_WAITING_QUEUE_H_
#define GEMMA_ENGINE_WAITING_QUEUE_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace gemma::engine {

struct QueueLimits {
  int max_requests = 256;               // Waiting requests.
  int64_t max_prompt_tokens = 1 << 20;  // Sum of their prompt tokens.
};

template <typename T>
class WaitingQueue {
 public:
  explicit WaitingQueue(QueueLimits limits) : limits_(limits) {}

  // Queues `item` (with `prompt_tokens` prompt tokens and `priority`) or
  // refuses with RESOURCE_EXHAUSTED when a bound would be exceeded.
  // `drain_tokens_per_second` (0 if unknown) feeds the retry hint.
  absl::Status TryPush(T item, int64_t prompt_tokens, int priority,
                       double drain_tokens_per_second) {
    if (prompt_tokens > limits_.max_prompt_tokens) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "the request has %d prompt tokens, more than the queue ever "
          "accepts (%d)",
          prompt_tokens, limits_.max_prompt_tokens));
    }
    const bool too_many = size() + 1 > limits_.max_requests;
    const bool too_long =
        queued_tokens_ + prompt_tokens > limits_.max_prompt_tokens;
    if (too_many || too_long) {
      // Time to drain enough queued tokens for this request to fit; at
      // least one second.
      double seconds = 1.0;
      if (drain_tokens_per_second > 0) {
        const int64_t excess = too_long ? queued_tokens_ + prompt_tokens -
                                              limits_.max_prompt_tokens
                                        : queued_tokens_ / std::max(1, size());
        seconds = std::max(1.0, excess / drain_tokens_per_second);
      }
      return absl::ResourceExhaustedError(absl::StrFormat(
          "the model's queue is full (%d requests, %d prompt tokens "
          "waiting; limits %d requests, %d tokens); retry after %.0f s",
          size(), queued_tokens_, limits_.max_requests,
          limits_.max_prompt_tokens, seconds));
    }
    Push(std::move(item), prompt_tokens, priority);
    return absl::OkStatus();
  }

  // Queues without checking the bounds (requeueing work already accepted).
  void Push(T item, int64_t prompt_tokens, int priority) {
    queued_tokens_ += prompt_tokens;
    items_.emplace(Key{-priority, next_seq_++},
                   Entry{std::move(item), prompt_tokens});
  }

  bool empty() const { return items_.empty(); }
  int size() const { return static_cast<int>(items_.size()); }
  int64_t queued_tokens() const { return queued_tokens_; }
  const QueueLimits& limits() const { return limits_; }

  // The next item in admission order. Requires !empty().
  T& Front() { return items_.begin()->second.item; }
  T PopFront() {
    auto it = items_.begin();
    T item = std::move(it->second.item);
    queued_tokens_ -= it->second.tokens;
    items_.erase(it);
    return item;
  }

  // Removes (and returns, in queue order) every item `pred` selects.
  std::vector<T> RemoveIf(const std::function<bool(const T&)>& pred) {
    std::vector<T> out;
    for (auto it = items_.begin(); it != items_.end();) {
      if (pred(it->second.item)) {
        queued_tokens_ -= it->second.tokens;
        out.push_back(std::move(it->second.item));
        it = items_.erase(it);
      } else {
        ++it;
      }
    }
    return out;
  }

 private:
  using Key = std::pair<int, uint64_t>;  // (-priority, arrival).
  struct Entry {
    T item;
    int64_t tokens;
  };

  QueueLimits limits_;
  std::map<Key, Entry> items_;
  int64_t queued_tokens_ = 0;
  uint64_t next_seq_ = 0;
};

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_WAITING_QUEUE_H_
