#include "model/checkpoint/weight_mapping.h"

namespace gemma::model {

absl::StatusOr<std::vector<RawTensor>> ReadKerasWeights(
    const std::string& dir, const ModelConfig& config) {
  return absl::UnimplementedError("Keras weights: not yet");
}

}  // namespace gemma::model
