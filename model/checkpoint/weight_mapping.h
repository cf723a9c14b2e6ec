// Mapping of each layout's tensor names onto the canonical (Hugging Face
// multimodal) names and shapes, in both directions.
// Thread-safety: pure functions.
#ifndef GEMMA_MODEL_CHECKPOINT_WEIGHT_MAPPING_H_
#define GEMMA_MODEL_CHECKPOINT_WEIGHT_MAPPING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model/checkpoint/raw_tensor.h"
#include "model/config.h"
#include "model/weights.h"

namespace gemma::model {

// Renames the tensors of a Hugging Face directory to canonical names:
// text tensors under "model.", "language_model." or no prefix become
// "model.language_model.*", towers without "model." get it, and a 0-d
// layer_scalar becomes shape [1].
absl::StatusOr<std::vector<RawTensor>> CanonicalizeHfTensors(
    std::vector<RawTensor> tensors, bool text_only_export);

// Reads the weights of a Keras preset directory (model.weights.h5, or
// model.weights.json + shards) for `config`, returning canonical tensors.
// Datasets the config does not explain are an error, except those of a
// tower the caller chose to skip (`skip_vision`, `skip_audio`).
absl::StatusOr<std::vector<RawTensor>> ReadKerasWeights(
    const std::string& dir, const ModelConfig& config, bool skip_vision,
    bool skip_audio);

// Writes `weights` (canonical) as `path` (a Keras model.weights.h5) with
// tensors stored as `dtype`.
absl::Status WriteKerasWeights(const std::string& path,
                               const ModelConfig& config,
                               const WeightStore& weights, DType dtype);

}  // namespace gemma::model

#endif  // GEMMA_MODEL_CHECKPOINT_WEIGHT_MAPPING_H_
