// A plain radix-2 FFT of real input (double precision), enough for the
// 512-point spectra of the audio front end. No external dependency.
// Thread-safety: immutable after construction; Forward is const and may be
// called concurrently with separate output buffers.
#ifndef GEMMA_PREPROCESS_FFT_H_
#define GEMMA_PREPROCESS_FFT_H_

#include <complex>
#include <vector>

namespace gemma::preprocess {

class RealFft {
 public:
  // `size` must be a power of two >= 2 (CHECKed: a programmer error).
  explicit RealFft(int size);

  int size() const { return size_; }

  // in: `size` real samples; out: size/2 + 1 complex bins
  // X[k] = sum_n x[n] exp(-2 pi i k n / size).
  void Forward(const double* in, std::complex<double>* out) const;

 private:
  int size_;
  std::vector<int> bit_reverse_;
  std::vector<std::complex<double>> twiddles_;  // exp(-2 pi i j / size).
};

}  // namespace gemma::preprocess

#endif  // GEMMA_PREPROCESS_FFT_H_
