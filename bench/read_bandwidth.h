// Measures this machine's memory read bandwidth the way a decode step reads
// its weights: one pass over a buffer far larger than the caches, split
// into contiguous slices over OpenMP threads, with the widest vector loads
// the CPU has. Benchmarks divide their weight-streaming rates by it.
// Thread-safety: the buffer is read only; calls may run concurrently but
// then share the bandwidth they measure.
#ifndef GEMMA_BENCH_READ_BANDWIDTH_H_
#define GEMMA_BENCH_READ_BANDWIDTH_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace gemma::bench {

class ReadBandwidth {
 public:
  // Allocates and touches `bytes` (default 1 GiB).
  explicit ReadBandwidth(size_t bytes = size_t{1} << 30);
  // Best of `reps` passes with `threads` threads, in GB/s (10^9 B/s).
  double Measure(int threads, int reps = 3) const;

 private:
  std::vector<uint64_t> buf_;
};

}  // namespace gemma::bench

#endif  // GEMMA_BENCH_READ_BANDWIDTH_H_
