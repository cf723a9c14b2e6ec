// The streaming kernel's inner loop, written once for every vector
// instruction set: bf16_gemv.cc includes this file once per set, each time
// inside that set's namespace and `#pragma GCC target` region, after
// defining there
//   Acc, WVec, XVec           the accumulator, W and x vector types;
//   XElem                     x's element type (float, or uint16_t for
//                             bf16 bits);
//   kLanes                    elements of a W row one WVec holds;
//   Acc Zero();  WVec LoadW(const uint16_t* p);  XVec LoadX(const XElem* p);
//   Acc Fma(WVec w, XVec x, Acc acc)   (acc + the products, lane-wise or
//                                       pairwise);  float Sum(Acc v);
// and with kTileRows, kGroupRows, kStep, kPrefetch and TailDots in scope.
// (The gemma.cpp/highway way of compiling one kernel per target, without
// per-file flags, so no inline function of a shared header is ever built
// for a wider instruction set than the CPU that calls it.)
// No include guard: meant to be included more than once.

// Dot products of R rows of W (rows k apart) with G rows of x (rows k
// apart): out[r][i] = Σ_kk W[r, kk] · x[i, kk].
template <int R, int G>
void Dots(const XElem* x, int k, const uint16_t* w,
          float out[kTileRows][kGroupRows]) {
  Acc acc[R][G];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int i = 0; i < G; ++i) acc[r][i] = Zero();
  }
  int kk = 0;
  for (; kk + kStep <= k; kk += kStep) {
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      _mm_prefetch(reinterpret_cast<const char*>(w + r * k + kk + kPrefetch),
                   _MM_HINT_T0);
    }
#pragma GCC unroll 4
    for (int h = 0; h < kStep; h += kLanes) {
      WVec wv[R];
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) wv[r] = LoadW(w + r * k + kk + h);
#pragma GCC unroll 4
      for (int i = 0; i < G; ++i) {
        const XVec xv = LoadX(x + i * k + kk + h);
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r) acc[r][i] = Fma(wv[r], xv, acc[r][i]);
      }
    }
  }
  for (; kk + kLanes <= k; kk += kLanes) {
    WVec wv[R];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) wv[r] = LoadW(w + r * k + kk);
#pragma GCC unroll 4
    for (int i = 0; i < G; ++i) {
      const XVec xv = LoadX(x + i * k + kk);
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) acc[r][i] = Fma(wv[r], xv, acc[r][i]);
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int i = 0; i < G; ++i) out[r][i] = Sum(acc[r][i]);
  }
  if (kk < k) TailDots(x, G, k, w, R, kk, out);
}
