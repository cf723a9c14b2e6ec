// Few-row bfloat16 matmuls on Intel AMX tiles (Sapphire Rapids and later),
// the tile path of bf16_gemv.h: y[m, n] = x[m, k] · W[n, k]ᵀ for decode-
// sized m, computed as yᵀ = W · xᵀ so that W, row-major as the
// checkpoint stores it, is loaded straight into the A tiles (16 rows of 32
// elements each, one tile load per 1 KiB) and needs no repacking. Only xᵀ
// is rearranged, once per call, into the pair-interleaved (VNNI) layout of
// the B tiles. A decode step is bound by reading W, and one tile product
// covers up to 16 rows of x, so a step of 16 or 32 sequences reads W once
// at about the cost of one sequence. More rows than 32 run in blocks of 32
// over each group of 32 W rows while it is in cache, so W is still read
// from memory once.
//
// Products of bf16 values are exact in float32 and accumulate in float32;
// as with every bf16 path, only the summation order differs (and AMX
// flushes float32 denormals to zero, far below any logit's precision).
//
// Thread-safety: pure functions of their arguments, except that
// AmxBf16Usable() asks the kernel, once per process, for the right to use
// the tile registers (Linux's ARCH_REQ_XCOMP_PERM; idempotent). Tile
// configuration is per thread: each call loads and releases its own.
#ifndef GEMMA_MODEL_OPS_BF16_AMX_H_
#define GEMMA_MODEL_OPS_BF16_AMX_H_

#include <cstddef>
#include <cstdint>

namespace gemma::model::ops {

// Rows of x one tile pass takes (two B tiles of 16 columns); up to this
// many are packed exactly, more are padded to a multiple of it.
inline constexpr int kAmxMaxRowsExact = 32;
// Elements of a W row per tile (64 bytes), rows of W per tile.
inline constexpr int kAmxTileK = 32;
inline constexpr int kAmxTileN = 16;

// True when the CPU has AMX-BF16 and the OS lets this process use tiles.
bool AmxBf16Usable();

// Columns of the packed xᵀ for `m` rows of x: m up to kAmxMaxRowsExact,
// else m rounded up to a multiple of it.
int AmxPackedRows(int m);

// Words of scratch PackXForAmx needs for `m` rows of length `k` (a
// multiple of kAmxTileK).
inline size_t AmxScratchWords(int m, int k) {
  return static_cast<size_t>(AmxPackedRows(m)) * (k / 2);
}

// Writes xᵀ in VNNI pairs: with ld = AmxPackedRows(m), xt[(c·16 + p)·ld +
// i] holds x[i, 32c + 2p] (low half) and x[i, 32c + 2p + 1] (high half) as
// bf16, and zeros for i in [m, ld). `x` holds floats that are already
// bf16 values (their low 16 bits are zero).
void PackXForAmx(const float* x, int m, int k, uint32_t* xt);

// y[i, j] = Σ_kk x[i, kk] · W[j, kk] for rows j in [j0, j1) of W, which must
// be a multiple of kAmxTileN apart, with `xt` from PackXForAmx. `w` is W
// row-major [n, k], `y` has rows `ldy` apart. No epilogue. Runs on the
// calling thread.
void AmxBf16Rows(const uint32_t* xt, int m, int k, const uint16_t* w, int j0,
                 int j1, float* y, int ldy);

}  // namespace gemma::model::ops

#endif  // GEMMA_MODEL_OPS_BF16_AMX_H_
