#include "model/ops/bf16_gemv.h"

#include <cpuid.h>
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstring>

#include "model/ops/bf16_amx.h"
#include "model/ops/bf16_convert.h"

namespace gemma::model::ops {
namespace {

constexpr int kTileRows = 4;   // Rows of W read together (4 streams).
constexpr int kGroupRows = 4;  // Rows of x per pass over a W tile.
// Elements of a W row per main-loop step (one 64-byte line), and how far
// ahead each row is prefetched (1 KiB). Hardware prefetchers stop at 4 KiB
// page boundaries, which rows of a few KiB cross all the time; measured on
// a 16-core Xeon, the prefetch raised 16-thread streaming from 98 to 152
// GB/s and left one thread unchanged.
constexpr int kStep = 32;
constexpr int kPrefetch = 512;

inline float ToF32(float f) { return f; }
inline float ToF32(uint16_t b) {
  const uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
}

// Dot products of `rows` rows of W with `g` rows of x, elements [from, k).
template <typename XElem>
inline void TailDots(const XElem* x, int g, int k, const uint16_t* w, int rows,
                     int from, float out[kTileRows][kGroupRows]) {
  for (int r = 0; r < rows; ++r) {
    for (int i = 0; i < g; ++i) {
      float s = 0;
      for (int kk = from; kk < k; ++kk) {
        s += ToF32(x[i * k + kk]) * ToF32(w[r * k + kk]);
      }
      out[r][i] += s;
    }
  }
}

// --- Portable ---------------------------------------------------------------

template <int R, int G>
void DotsPortable(const float* x, int k, const uint16_t* w,
                  float out[kTileRows][kGroupRows]) {
  for (int r = 0; r < R; ++r) {
    for (int i = 0; i < G; ++i) out[r][i] = 0;
  }
  TailDots(x, G, k, w, R, 0, out);
}

// --- AVX2 + FMA -------------------------------------------------------------

#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {

using V = __m256;
using Acc = V;
using WVec = V;
using XVec = V;
using XElem = float;
constexpr int kLanes = 8;
inline V Zero() { return _mm256_setzero_ps(); }
inline V LoadW(const uint16_t* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(v), 16));
}
inline V LoadX(const float* p) { return _mm256_loadu_ps(p); }
inline V Fma(V a, V b, V acc) { return _mm256_fmadd_ps(a, b, acc); }
inline float Sum(V v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// 16 registers: R·G accumulators + R weights + 1 x must fit (the table
// below keeps G <= 2 for R >= 3).
#include "model/ops/bf16_gemv_dots-inl.h"

}  // namespace avx2
#pragma GCC pop_options

// --- AVX-512 ----------------------------------------------------------------

// GCC 12's AVX-512 intrinsics pass _mm512_undefined_*() as the masked-off
// source, which -Wuninitialized reports at every use.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC push_options
#pragma GCC target("avx512f")
namespace avx512 {

using V = __m512;
using Acc = V;
using WVec = V;
using XVec = V;
using XElem = float;
constexpr int kLanes = 16;
inline V Zero() { return _mm512_setzero_ps(); }
inline V LoadW(const uint16_t* p) {
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(v), 16));
}
inline V LoadX(const float* p) { return _mm512_loadu_ps(p); }
inline V Fma(V a, V b, V acc) { return _mm512_fmadd_ps(a, b, acc); }
inline float Sum(V v) { return _mm512_reduce_add_ps(v); }

#include "model/ops/bf16_gemv_dots-inl.h"

}  // namespace avx512
#pragma GCC pop_options

// --- AVX-512 BF16 -----------------------------------------------------------

// vdpbf16ps multiplies 32 bf16 pairs per instruction without widening W:
// for CPUs with AVX-512 BF16 but no AMX (AMD Zen 4/5, Cooper Lake). x comes
// as bf16 bits (Bf16Gemv narrows it once per call into the scratch), so a
// load is one instruction, not a load and a conversion per row of W.
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bf16")
namespace avx512bf16 {

using Acc = __m512;
using WVec = __m512bh;
using XVec = __m512bh;
using XElem = uint16_t;
constexpr int kLanes = 32;
inline Acc Zero() { return _mm512_setzero_ps(); }
inline WVec LoadW(const uint16_t* p) {
  return reinterpret_cast<__m512bh>(_mm512_loadu_si512(p));
}
inline XVec LoadX(const uint16_t* p) {
  return reinterpret_cast<__m512bh>(_mm512_loadu_si512(p));
}
inline Acc Fma(WVec w, XVec x, Acc acc) { return _mm512_dpbf16_ps(acc, x, w); }
inline float Sum(Acc v) { return _mm512_reduce_add_ps(v); }

#include "model/ops/bf16_gemv_dots-inl.h"

}  // namespace avx512bf16
#pragma GCC pop_options
#pragma GCC diagnostic pop

// --- Dispatch ---------------------------------------------------------------

template <typename XElem>
using DotsFn = void (*)(const XElem*, int, const uint16_t*,
                        float[kTileRows][kGroupRows]);
template <typename XElem>
using DotsTable = DotsFn<XElem>[kTileRows][kGroupRows];

// Kernels by [rows of W - 1][rows of x - 1].
#define GEMMA_DOTS_TABLE(F)                     \
  {                                             \
    {F<1, 1>, F<1, 2>, F<1, 3>, F<1, 4>},       \
        {F<2, 1>, F<2, 2>, F<2, 3>, F<2, 4>},   \
        {F<3, 1>, F<3, 2>, F<3, 3>, F<3, 4>}, { \
      F<4, 1>, F<4, 2>, F<4, 3>, F<4, 4>        \
    }                                           \
  }

const DotsTable<float> kPortable = GEMMA_DOTS_TABLE(DotsPortable);
const DotsTable<float> kAvx512 = GEMMA_DOTS_TABLE(avx512::Dots);
const DotsTable<uint16_t> kAvx512Bf16 = GEMMA_DOTS_TABLE(avx512bf16::Dots);
// AVX2: at most 2 rows of x per pass (4·2 accumulators + 4 weights + x).
const DotsTable<float> kAvx2 = {
    {avx2::Dots<1, 1>, avx2::Dots<1, 2>, avx2::Dots<1, 3>, avx2::Dots<1, 4>},
    {avx2::Dots<2, 1>, avx2::Dots<2, 2>, avx2::Dots<2, 3>, avx2::Dots<2, 4>},
    {avx2::Dots<3, 1>, avx2::Dots<3, 2>, avx2::Dots<3, 2>, avx2::Dots<3, 2>},
    {avx2::Dots<4, 1>, avx2::Dots<4, 2>, avx2::Dots<4, 2>, avx2::Dots<4, 2>}};
#undef GEMMA_DOTS_TABLE

// The float-x table of an instruction set (kAvx512Bf16 takes bf16 x and
// has its own).
const DotsTable<float>& FloatTableFor(GemvIsa isa) {
  switch (isa) {
    case GemvIsa::kAmx:  // Rows the tiles do not cover.
    case GemvIsa::kAvx512Bf16:
    case GemvIsa::kAvx512:
      return kAvx512;
    case GemvIsa::kAvx2:
      return kAvx2;
    case GemvIsa::kPortable:
      break;
  }
  return kPortable;
}

// Rows [j0, j1) of W against all a.m rows of x (rows a.k apart), no
// epilogue. With `avx2_limits`, kernels for 3 or 4 rows of W take at most
// 2 rows of x at once (the table repeats them past that).
template <typename XElem>
void DotRows(const DotsTable<XElem>& table, bool avx2_limits, const XElem* x,
             const GemvArgs& a, int j0, int j1) {
  float out[kTileRows][kGroupRows];
  for (int j = j0; j < j1; j += kTileRows) {
    const int rows = std::min(kTileRows, j1 - j);
    const uint16_t* w = a.w + static_cast<size_t>(j) * a.k;
    const int limit = avx2_limits && rows >= 3 ? 2 : kGroupRows;
    for (int i = 0; i < a.m;) {
      const int g = std::min(limit, a.m - i);
      table[rows - 1][g - 1](x + static_cast<size_t>(i) * a.k, a.k, w, out);
      for (int r = 0; r < rows; ++r) {
        for (int t = 0; t < g; ++t) {
          a.y[static_cast<size_t>(i + t) * a.n + j + r] = out[r][t];
        }
      }
      i += g;
    }
  }
}

// Rows [j0, j1) of W, epilogue included. On AMX, whole 16-row blocks take
// the tiles (a.scratch holds the packed x) and the rest the AVX-512 kernel;
// on AVX-512 BF16 a.scratch holds x as bf16.
void RunRows(GemvIsa isa, const GemvArgs& a, int j0, int j1) {
  switch (isa) {
    case GemvIsa::kAmx: {
      const int tiled = j0 + (j1 - j0) / kAmxTileN * kAmxTileN;
      AmxBf16Rows(a.scratch, a.m, a.k, a.w, j0, tiled, a.y, a.n);
      DotRows(kAvx512, false, a.x, a, tiled, j1);
      break;
    }
    case GemvIsa::kAvx512Bf16:
      DotRows(kAvx512Bf16, false, reinterpret_cast<const uint16_t*>(a.scratch),
              a, j0, j1);
      break;
    default:
      DotRows(FloatTableFor(isa), isa == GemvIsa::kAvx2, a.x, a, j0, j1);
  }
  if (a.epilogue.kind == Epilogue::Kind::kNone) return;
  for (int i = 0; i < a.m; ++i) {
    const size_t off = static_cast<size_t>(i) * a.n + j0;
    ApplyEpilogue(a.epilogue, a.y + off,
                  a.aux == nullptr ? nullptr : a.aux + off, j1 - j0);
  }
}

// Splits rows of W over threads in slices of `unit` rows (the last slice
// takes the remainder) and runs each through RunRows.
void RunSliced(GemvIsa isa, const GemvArgs& a, int unit) {
  // Slices big enough (>= 64 KiB of weights) that a thread's start-up cost
  // is paid back.
  const int64_t bytes_per_row = int64_t{2} * a.k;
  const int64_t min_rows = std::max<int64_t>(
      unit,
      ((int64_t{1} << 16) / std::max<int64_t>(bytes_per_row, 1) + unit - 1) /
          unit * unit);
  const int chunks =
      static_cast<int>(std::max<int64_t>(1, (a.n + min_rows - 1) / min_rows));
  if (chunks == 1) {
    RunRows(isa, a, 0, a.n);
    return;
  }
  const int units = (a.n + unit - 1) / unit;
  const int threads = std::min(omp_get_max_threads(), chunks);
#pragma omp parallel num_threads(threads)
  {
    const int nt = omp_get_num_threads(), t = omp_get_thread_num();
    const int u0 = static_cast<int>(int64_t{units} * t / nt);
    const int u1 = static_cast<int>(int64_t{units} * (t + 1) / nt);
    RunRows(isa, a, std::min(a.n, u0 * unit), std::min(a.n, u1 * unit));
  }
}

// CPUID leaf 7 subleaf 1, EAX bit 5 (GCC 12's __builtin_cpu_supports has
// no name for it).
bool CpuHasAvx512Bf16() {
  unsigned eax, ebx, ecx, edx;
  if (__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) == 0) return false;
  return (eax >> 5) & 1;
}

}  // namespace

GemvIsa DetectGemvIsa() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) {
    if (AmxBf16Usable()) return GemvIsa::kAmx;
    return CpuHasAvx512Bf16() ? GemvIsa::kAvx512Bf16 : GemvIsa::kAvx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return GemvIsa::kAvx2;
  }
  return GemvIsa::kPortable;
}

const char* GemvIsaName(GemvIsa isa) {
  switch (isa) {
    case GemvIsa::kAmx:
      return "amx";
    case GemvIsa::kAvx512Bf16:
      return "avx512bf16";
    case GemvIsa::kAvx512:
      return "avx512";
    case GemvIsa::kAvx2:
      return "avx2";
    case GemvIsa::kPortable:
      break;
  }
  return "portable";
}

size_t GemvScratchWords(int m, int k) {
  const size_t bf16_words = (static_cast<size_t>(m) * k + 1) / 2;
  return std::max(AmxScratchWords(m, k), bf16_words);
}

void Bf16Gemv(GemvIsa isa, const GemvArgs& a) {
  if (a.m <= 0 || a.n <= 0) return;
  if (isa == GemvIsa::kAvx512Bf16) {
    if (a.scratch == nullptr) {
      RunSliced(GemvIsa::kAvx512, a, kTileRows);
      return;
    }
    RoundToBf16(a.x, reinterpret_cast<uint16_t*>(a.scratch),
                static_cast<size_t>(a.m) * a.k);
    RunSliced(isa, a, kTileRows);
    return;
  }
  if (isa != GemvIsa::kAmx) {
    RunSliced(isa, a, kTileRows);
    return;
  }
  if (a.k % kAmxTileK != 0 || a.scratch == nullptr) {
    RunSliced(GemvIsa::kAvx512, a, kTileRows);
    return;
  }
  PackXForAmx(a.x, a.m, a.k, a.scratch);
  RunSliced(GemvIsa::kAmx, a, 2 * kAmxTileN);
}

}  // namespace gemma::model::ops
