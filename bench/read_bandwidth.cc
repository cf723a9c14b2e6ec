#include "bench/read_bandwidth.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace gemma::bench {
namespace {

uint64_t SumPortable(const uint64_t* p, size_t n) {
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (size_t i = 0; i + 4 <= n; i += 4) {
    s0 += p[i];
    s1 += p[i + 1];
    s2 += p[i + 2];
    s3 += p[i + 3];
  }
  return s0 + s1 + s2 + s3;
}

__attribute__((target("avx2"))) uint64_t SumAvx2(const uint64_t* p, size_t n) {
  __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
  for (size_t i = 0; i + 16 <= n; i += 16) {
    a = _mm256_add_epi64(a, _mm256_loadu_si256((const __m256i*)(p + i)));
    b = _mm256_add_epi64(b, _mm256_loadu_si256((const __m256i*)(p + i + 4)));
    c = _mm256_add_epi64(c, _mm256_loadu_si256((const __m256i*)(p + i + 8)));
    d = _mm256_add_epi64(d, _mm256_loadu_si256((const __m256i*)(p + i + 12)));
  }
  a = _mm256_add_epi64(_mm256_add_epi64(a, b), _mm256_add_epi64(c, d));
  uint64_t out[4];
  _mm256_storeu_si256((__m256i*)out, a);
  return out[0] + out[1] + out[2] + out[3];
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f"))) uint64_t SumAvx512(const uint64_t* p,
                                                      size_t n) {
  __m512i a = _mm512_setzero_si512(), b = a, c = a, d = a;
  for (size_t i = 0; i + 32 <= n; i += 32) {
    a = _mm512_add_epi64(a, _mm512_loadu_si512(p + i));
    b = _mm512_add_epi64(b, _mm512_loadu_si512(p + i + 8));
    c = _mm512_add_epi64(c, _mm512_loadu_si512(p + i + 16));
    d = _mm512_add_epi64(d, _mm512_loadu_si512(p + i + 24));
  }
  a = _mm512_add_epi64(_mm512_add_epi64(a, b), _mm512_add_epi64(c, d));
  return _mm512_reduce_add_epi64(a);
}
#pragma GCC diagnostic pop

}  // namespace

ReadBandwidth::ReadBandwidth(size_t bytes) : buf_(bytes / 8, 1) {}

double ReadBandwidth::Measure(int threads, int reps) const {
  __builtin_cpu_init();
  auto sum = __builtin_cpu_supports("avx512f") ? SumAvx512
             : __builtin_cpu_supports("avx2")  ? SumAvx2
                                               : SumPortable;
  double best = 0;
  for (int rep = 0; rep < reps; ++rep) {
    const auto a = std::chrono::steady_clock::now();
    uint64_t total = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
    {
      const size_t n = buf_.size(), t = omp_get_thread_num(),
                   nt = omp_get_num_threads();
      const size_t begin = n * t / nt, end = n * (t + 1) / nt;
      total += sum(buf_.data() + begin, end - begin);
    }
    const auto b = std::chrono::steady_clock::now();
    if (total == 1) std::printf(" ");  // Keeps the sum alive.
    best =
        std::max(best, buf_.size() * 8.0 /
                           std::chrono::duration<double>(b - a).count() / 1e9);
  }
  return best;
}

}  // namespace gemma::bench
