#include "model/ops/bf16_amx.h"

#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace gemma::model::ops {
namespace {

// Linux: asks for the AMX tile data state (arch/x86/include/uapi/asm/prctl.h).
constexpr int kArchReqXcompPerm = 0x1023;
constexpr int kXfeatureXtiledata = 18;

// W is not prefetched in software: the hardware prefetchers follow the 16
// rows a tile load reads, and software prefetch of each row made decode-
// sized calls slower (measured on a Sapphire Rapids core: 14.4 GB/s
// without, 12.5 with, 1 KiB ahead; 13.8 against 9.7 at 16 rows of x).

// The 64-byte operand of ldtilecfg (palette 1).
struct alignas(64) TileConfig {
  uint8_t palette_id = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};
static_assert(sizeof(TileConfig) == 64);

// Tile registers: C(nb, mb) = tmm[nb + 2·mb] (16 rows of W × up to 16 rows
// of x, float32), B(mb) = tmm[4 + mb] (xᵀ pairs), A(nb) = tmm[6 + nb] (16
// rows of W, 32 elements each).
// `m` rows of x: up to 32 exactly (cols m < 16, or 16 and m - 16), more in
// full 32-column blocks (PackXForAmx pads x with zero rows).
TileConfig MakeConfig(int m) {
  TileConfig cfg;
  if (m > 2 * kAmxTileN) m = 2 * kAmxTileN;
  const int cols[2] = {m < 16 ? m : 16, m > 16 ? m - 16 : 0};
  for (int mb = 0; mb < 2; ++mb) {
    if (cols[mb] == 0) continue;
    for (int nb = 0; nb < 2; ++nb) {
      cfg.rows[nb + 2 * mb] = kAmxTileN;
      cfg.colsb[nb + 2 * mb] = static_cast<uint16_t>(cols[mb] * 4);
    }
    cfg.rows[4 + mb] = kAmxTileK / 2;
    cfg.colsb[4 + mb] = static_cast<uint16_t>(cols[mb] * 4);
  }
  for (int nb = 0; nb < 2; ++nb) {
    cfg.rows[6 + nb] = kAmxTileN;
    cfg.colsb[6 + nb] = kAmxTileK * 2;
  }
  return cfg;
}

#define GEMMA_AMX __attribute__((target("amx-tile,amx-bf16")))

// NB blocks of 16 W rows starting at `w` (rows k apart) times MB tiles of
// 16 x columns starting at `xt` (pair rows `ld` words apart); the float32
// results land in c[nb + 2·mb] (16 × 16, row stride 16).
template <int NB, int MB>
GEMMA_AMX void Block(const uint32_t* xt, int ld, int k, const uint16_t* w,
                     float c[4][kAmxTileN * 16]) {
  const long w_stride = static_cast<long>(k) * 2;
  const long x_stride = static_cast<long>(ld) * 4;
  _tile_zero(0);
  if (NB > 1) _tile_zero(1);
  if (MB > 1) _tile_zero(2);
  if (NB > 1 && MB > 1) _tile_zero(3);
  for (int kk = 0; kk < k; kk += kAmxTileK) {
    const uint16_t* a = w + kk;
    const uint32_t* b = xt + static_cast<size_t>(kk / 2) * ld;
    _tile_loadd(4, b, x_stride);
    if (MB > 1) _tile_loadd(5, b + 16, x_stride);
    _tile_loadd(6, a, w_stride);
    _tile_dpbf16ps(0, 6, 4);
    if (MB > 1) _tile_dpbf16ps(2, 6, 5);
    if (NB > 1) {
      _tile_loadd(7, a + static_cast<size_t>(kAmxTileN) * k, w_stride);
      _tile_dpbf16ps(1, 7, 4);
      if (MB > 1) _tile_dpbf16ps(3, 7, 5);
    }
  }
  constexpr long kCStride = 16 * 4;
  _tile_stored(0, c[0], kCStride);
  if (NB > 1) _tile_stored(1, c[1], kCStride);
  if (MB > 1) _tile_stored(2, c[2], kCStride);
  if (NB > 1 && MB > 1) _tile_stored(3, c[3], kCStride);
}

bool CpuHasAmxBf16() {
  unsigned eax, ebx, ecx, edx;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) return false;
  const bool amx_bf16 = (edx >> 22) & 1, amx_tile = (edx >> 24) & 1;
  return amx_bf16 && amx_tile;
}

}  // namespace

bool AmxBf16Usable() {
  if (!CpuHasAmxBf16()) return false;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
}

int AmxPackedRows(int m) {
  return m <= kAmxMaxRowsExact
             ? m
             : (m + kAmxMaxRowsExact - 1) / kAmxMaxRowsExact * kAmxMaxRowsExact;
}

void PackXForAmx(const float* x, int m, int k, uint32_t* xt) {
  const int ld = AmxPackedRows(m);
  for (int i = 0; i < m; ++i) {
    const float* row = x + static_cast<size_t>(i) * k;
    for (int p = 0; p < k / 2; ++p) {
      uint32_t lo, hi;
      std::memcpy(&lo, &row[2 * p], 4);
      std::memcpy(&hi, &row[2 * p + 1], 4);
      xt[static_cast<size_t>(p) * ld + i] = (lo >> 16) | (hi & 0xFFFF0000u);
    }
  }
  for (int p = 0; p < k / 2; ++p) {
    std::fill(xt + static_cast<size_t>(p) * ld + m,
              xt + static_cast<size_t>(p) * ld + ld, 0u);
  }
}

GEMMA_AMX void AmxBf16Rows(const uint32_t* xt, int m, int k, const uint16_t* w,
                           int j0, int j1, float* y, int ldy) {
  if (j0 >= j1) return;
  const TileConfig cfg = MakeConfig(m);
  // Not _tile_loadconfig: its asm names only the first 8 bytes of the
  // config as read, so the compiler may drop the stores to the rest.
  asm volatile("ldtilecfg %0" ::"m"(cfg));
  alignas(64) float c[4][kAmxTileN * 16];
  const int ld = AmxPackedRows(m);
  for (int j = j0; j < j1;) {
    const bool two_nb = j1 - j >= 2 * kAmxTileN;
    const uint16_t* wj = w + static_cast<size_t>(j) * k;
    // One pass over the group's W rows per 32 rows of x; the passes after
    // the first read them from cache.
    for (int i0 = 0; i0 < m; i0 += kAmxMaxRowsExact) {
      const uint32_t* xb = xt + i0;
      const bool two_mb = m - i0 > kAmxTileN;
      if (two_nb) {
        two_mb ? Block<2, 2>(xb, ld, k, wj, c) : Block<2, 1>(xb, ld, k, wj, c);
      } else {
        two_mb ? Block<1, 2>(xb, ld, k, wj, c) : Block<1, 1>(xb, ld, k, wj, c);
      }
      const int i1 = std::min(m, i0 + kAmxMaxRowsExact);
      for (int nb = 0; nb < (two_nb ? 2 : 1); ++nb) {
        for (int i = i0; i < i1; ++i) {
          const float* src = c[nb + 2 * ((i - i0) / 16)] + (i - i0) % 16;
          float* dst = y + static_cast<size_t>(i) * ldy + j + nb * kAmxTileN;
          for (int r = 0; r < kAmxTileN; ++r) dst[r] = src[r * 16];
        }
      }
    }
    j += (two_nb ? 2 : 1) * kAmxTileN;
  }
  _tile_release();
}

#undef GEMMA_AMX

}  // namespace gemma::model::ops
