// A warm decode step makes no heap allocation of its own: buffers,
// primitives and their arguments are reused. oneDNN 2.6's
// dnnl_primitive_execute itself builds a small argument map per call (it
// calls operator new from inside libdnnl); those are counted apart and
// reported, not held against us. This binary replaces the global operator
// new to count allocations, so it holds only this test.
#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <new>
#include <vector>

#include "gtest/gtest.h"
#include "model/checkpoint/checkpoint.h"
#include "model/decoder/gemma4_model.h"
#include "tests/testing/status_matchers.h"

namespace {
std::atomic<long> g_allocations{0};       // Outside libdnnl.
std::atomic<long> g_dnnl_allocations{0};  // From inside libdnnl.

bool CalledFromDnnl(void* caller) {
  Dl_info info;
  return dladdr(caller, &info) != 0 && info.dli_fname != nullptr &&
         std::strstr(info.dli_fname, "libdnnl") != nullptr;
}
}  // namespace

void* operator new(std::size_t n) {
  if (CalledFromDnnl(__builtin_return_address(0))) {
    g_dnnl_allocations.fetch_add(1, std::memory_order_relaxed);
  } else {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace gemma::model {
namespace {

TEST(AllocationTest, WarmDecodeStepsDoNotAllocate) {
  ASSERT_OK_AND_ASSIGN(ModelConfig config, NamedConfig("tiny"));
  config.vision.reset();
  config.audio.reset();
  ASSERT_OK_AND_ASSIGN(auto ckpt, MakeRandomCheckpoint(config, 3));
  ASSERT_OK_AND_ASSIGN(auto model,
                       Gemma4Model::Create(ckpt->config, ckpt->weights));
  auto state = model->NewState();
  ASSERT_OK_AND_ASSIGN(auto kv, KvCache::Create(ckpt->config.text, 16, 8));
  std::vector<int> blocks(16);
  for (int i = 0; i < 16; ++i) blocks[i] = i;
  std::vector<int32_t> seq = {2, 40, 41, 42, 43, 44, 45, 46, 47, 48};
  seq.reserve(128);
  ForwardOutput out;
  ForwardEntry e{seq, 0, blocks, false};
  ASSERT_OK(model->Forward(state.get(), kv.get(), {&e, 1}, &out));
  auto step = [&] {
    seq.push_back(seq.back() + 1);
    ForwardEntry d{absl::MakeConstSpan(&seq.back(), 1),
                   static_cast<int>(seq.size()) - 1, blocks, false};
    return model->Forward(state.get(), kv.get(), {&d, 1}, &out);
  };
  // Warm-up: the first decode steps create the one-row primitives and grow
  // the attention buffers (the context grows by one each step, so the
  // buffers are sized for the longest context first).
  for (int i = 0; i < 30; ++i) ASSERT_OK(step());
  seq.resize(12);  // Rewind: later steps need no bigger buffers.
  const long before = g_allocations.load();
  const long dnnl_before = g_dnnl_allocations.load();
  bool all_ok = true;  // No matchers in the measured loop: they allocate.
  for (int i = 0; i < 10; ++i) all_ok = step().ok() && all_ok;
  const long ours = g_allocations.load() - before;
  EXPECT_TRUE(all_ok);
  EXPECT_EQ(ours, 0);
  std::cout << "oneDNN-internal allocations per decode step: "
            << (g_dnnl_allocations.load() - dnnl_before) / 10 << "\n";
}

}  // namespace
}  // namespace gemma::model
