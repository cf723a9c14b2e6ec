#include "preprocess/mel_filter_bank.h"

#include <algorithm>
#include <cmath>

namespace gemma::preprocess {
namespace {

double HzToMel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double MelToHz(double mel) {
  return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
}

// numpy.linspace(start, stop, num) with endpoint: start + i * step, the last
// value exactly `stop`.
std::vector<double> Linspace(double start, double stop, int num) {
  std::vector<double> v(num);
  const double step = (stop - start) / (num - 1);
  for (int i = 0; i < num; ++i) v[i] = start + i * step;
  v[num - 1] = stop;
  return v;
}

}  // namespace

std::vector<double> HtkMelFilterBank(int num_frequency_bins,
                                     int num_mel_filters, double min_frequency,
                                     double max_frequency, int sample_rate) {
  const std::vector<double> mels = Linspace(
      HzToMel(min_frequency), HzToMel(max_frequency), num_mel_filters + 2);
  std::vector<double> edges(mels.size());
  for (size_t i = 0; i < mels.size(); ++i) edges[i] = MelToHz(mels[i]);
  const std::vector<double> fft_freqs =
      Linspace(0.0, sample_rate / 2, num_frequency_bins);
  std::vector<double> bank(static_cast<size_t>(num_frequency_bins) *
                           num_mel_filters);
  for (int k = 0; k < num_frequency_bins; ++k) {
    for (int m = 0; m < num_mel_filters; ++m) {
      const double down =
          -(edges[m] - fft_freqs[k]) / (edges[m + 1] - edges[m]);
      const double up =
          (edges[m + 2] - fft_freqs[k]) / (edges[m + 2] - edges[m + 1]);
      bank[static_cast<size_t>(k) * num_mel_filters + m] =
          std::max(0.0, std::min(down, up));
    }
  }
  return bank;
}

}  // namespace gemma::preprocess
