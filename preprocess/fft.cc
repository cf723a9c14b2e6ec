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
  // Full complex FFT on the real input (iterative Cooley-Tukey, decimation
  // in time); twiddles are exact per index, not accumulated.
  std::vector<std::complex<double>> a(size_);
  for (int i = 0; i < size_; ++i) a[bit_reverse_[i]] = in[i];
  for (int len = 2; len <= size_; len <<= 1) {
    const int half = len / 2;
    const int step = size_ / len;
    for (int start = 0; start < size_; start += len) {
      for (int j = 0; j < half; ++j) {
        const std::complex<double> t =
            twiddles_[j * step] * a[start + j + half];
        const std::complex<double> u = a[start + j];
        a[start + j] = u + t;
        a[start + j + half] = u - t;
      }
    }
  }
  for (int k = 0; k <= size_ / 2; ++k) out[k] = a[k];
}

}  // namespace gemma::preprocess
