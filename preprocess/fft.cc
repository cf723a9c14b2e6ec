#include "preprocess/fft.h"

#include <cmath>

#include "base/logging.h"

namespace gemma::preprocess {

RealFft::RealFft(int size) : size_(size) {
  CHECK(size >= 2 && (size & (size - 1)) == 0) << "FFT size " << size;
  int bits = 0;
  while ((1 << bits) < size) ++bits;
  bit_reverse_.resize(size);
  for (int i = 0; i < size; ++i) {
    int r = 0;
    for (int b = 0; b < bits; ++b) r |= ((i >> b) & 1) << (bits - 1 - b);
    bit_reverse_[i] = r;
  }
  twiddles_.resize(size / 2);
  for (int j = 0; j < size / 2; ++j) {
    const double angle = -2.0 * M_PI * j / size;
    twiddles_[j] = {std::cos(angle), std::sin(angle)};
  }
}

void RealFft::Forward(const double* in, std::complex<double>* out) const {
  // Full complex FFT of the real input (iterative Cooley-Tukey, decimation
  // in time) on split real/imaginary arrays; twiddles are exact per index,
  // not accumulated.
  std::vector<double> re(size_), im(size_, 0.0);
  for (int i = 0; i < size_; ++i) re[bit_reverse_[i]] = in[i];
  for (int len = 2; len <= size_; len <<= 1) {
    const int half = len / 2;
    const int step = size_ / len;
    for (int start = 0; start < size_; start += len) {
      for (int j = 0; j < half; ++j) {
        const double wr = twiddles_[j * step].real();
        const double wi = twiddles_[j * step].imag();
        const int a = start + j;
        const int b = a + half;
        const double tr = wr * re[b] - wi * im[b];
        const double ti = wr * im[b] + wi * re[b];
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
  for (int k = 0; k <= size_ / 2; ++k) out[k] = {re[k], im[k]};
}

}  // namespace gemma::preprocess
