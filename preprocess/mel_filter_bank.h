// The triangular HTK-scale mel filter bank of the Gemma 4 audio front end
// (Hugging Face mel_filter_bank(norm=None, mel_scale="htk"); keras-hub builds
// the same matrix). No area normalisation.
// Thread-safety: pure function.
#ifndef GEMMA_PREPROCESS_MEL_FILTER_BANK_H_
#define GEMMA_PREPROCESS_MEL_FILTER_BANK_H_

#include <vector>

namespace gemma::preprocess {

// Returns [num_frequency_bins, num_mel_filters] row-major weights: bin k
// (frequency k * (sample_rate / 2) / (num_frequency_bins - 1)) times filter m.
std::vector<double> HtkMelFilterBank(int num_frequency_bins,
                                     int num_mel_filters, double min_frequency,
                                     double max_frequency, int sample_rate);

}  // namespace gemma::preprocess

#endif  // GEMMA_PREPROCESS_MEL_FILTER_BANK_H_
