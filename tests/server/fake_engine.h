// A deterministic engine::Engine for testing the RPC edge without a model:
// one model "fake" (vocabulary 100) whose "generation" continues a prompt
// with (last id + 1) % 100, one token per step on a worker thread, with a
// configurable step delay. It honours the engine contract: stop tokens,
// max_length / max_new_tokens, cancellation and deadlines checked every
// step, exactly one OnDone per prompt, queue limit and draining.
// Test-only. Thread-safety: as engine::Engine.
#ifndef GEMMA_TESTS_SERVER_FAKE_ENGINE_H_
#define GEMMA_TESTS_SERVER_FAKE_ENGINE_H_

#include <atomic>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/engine.h"

namespace gemma::testing {

class FakeEngine : public engine::Engine {
 public:
  static constexpr int kVocab = 100;
  static constexpr int kContext = 64;
  static constexpr int kDefaultMaxLength = 32;

  // `step_delay` is slept after each generated token; `max_queue` requests
  // may wait before Submit answers RESOURCE_EXHAUSTED.
  explicit FakeEngine(absl::Duration step_delay = absl::ZeroDuration(),
                      int max_queue = 16);
  ~FakeEngine() override;

  std::vector<engine::ModelInfo> ListModels() const override;
  absl::StatusOr<const engine::Frontend*> GetFrontend(
      const std::string& model) const override;
  absl::Status Submit(engine::Request request) override;
  std::vector<engine::EngineStats> Stats() const override;
  void StartDraining() override { draining_.store(true); }
  int InFlight() const override { return in_flight_.load(); }

  // Text and chat prompts go through `frontend` (borrowed; may be null,
  // then only token-id prompts work).
  void set_frontend(const engine::Frontend* frontend) { frontend_ = frontend; }

  // Text of one token, as the fake detokenizer writes it.
  static std::string TokenText(int32_t id);
  // Requests Submit accepted so far.
  int submitted() const { return submitted_.load(); }

 private:
  void Run();
  void Generate(engine::Request& request);

  const absl::Duration step_delay_;
  const int max_queue_;
  std::atomic<bool> draining_{false};
  std::atomic<int> in_flight_{0};
  std::atomic<int> submitted_{0};
  std::atomic<int64_t> steps_{0};
  mutable absl::Mutex mu_;
  std::deque<engine::Request> queue_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  const engine::Frontend* frontend_ = nullptr;
  std::thread worker_;
};

}  // namespace gemma::testing

#endif  // GEMMA_TESTS_SERVER_FAKE_ENGINE_H_
