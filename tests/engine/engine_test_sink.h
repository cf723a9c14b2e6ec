// A RequestSink for engine tests: records every chunk and result per prompt,
// flags contract violations (a chunk after OnDone, a second OnDone), and
// lets the test wait for completion. Test-only.
// Thread-safety: all methods are thread-safe.
#ifndef GEMMA_TESTS_ENGINE_ENGINE_TEST_SINK_H_
#define GEMMA_TESTS_ENGINE_ENGINE_TEST_SINK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/request.h"

namespace gemma::engine {

class CollectingSink : public RequestSink {
 public:
  explicit CollectingSink(int num_prompts = 1)
      : streamed_(num_prompts), results_(num_prompts), done_(num_prompts) {}

  void OnChunk(GenerationChunk chunk) override {
    absl::MutexLock lock(&mu_);
    const int p = chunk.prompt_index;
    if (p < 0 || p >= static_cast<int>(done_.size()) || done_[p]) {
      ++violations_;
      return;
    }
    streamed_[p].insert(streamed_[p].end(), chunk.token_ids.begin(),
                        chunk.token_ids.end());
    ++chunks_;
  }

  void OnDone(GenerationResult result) override {
    absl::MutexLock lock(&mu_);
    const int p = result.prompt_index;
    if (p < 0 || p >= static_cast<int>(done_.size()) || done_[p]) {
      ++violations_;
      return;
    }
    done_[p] = true;
    results_[p] = std::move(result);
    ++num_done_;
  }

  // True when every prompt got its OnDone within `timeout`.
  bool WaitDone(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto all = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return num_done_ == static_cast<int>(done_.size());
    };
    return mu_.AwaitWithTimeout(absl::Condition(&all), timeout);
  }

  GenerationResult result(int p = 0) const {
    absl::MutexLock lock(&mu_);
    return results_[p];
  }
  std::vector<int32_t> streamed(int p = 0) const {
    absl::MutexLock lock(&mu_);
    return streamed_[p];
  }
  int num_done() const {
    absl::MutexLock lock(&mu_);
    return num_done_;
  }
  int chunks() const {
    absl::MutexLock lock(&mu_);
    return chunks_;
  }
  int violations() const {
    absl::MutexLock lock(&mu_);
    return violations_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::vector<int32_t>> streamed_ ABSL_GUARDED_BY(mu_);
  std::vector<GenerationResult> results_ ABSL_GUARDED_BY(mu_);
  std::vector<bool> done_ ABSL_GUARDED_BY(mu_);
  int num_done_ ABSL_GUARDED_BY(mu_) = 0;
  int chunks_ ABSL_GUARDED_BY(mu_) = 0;
  int violations_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace gemma::engine

#endif  // GEMMA_TESTS_ENGINE_ENGINE_TEST_SINK_H_
