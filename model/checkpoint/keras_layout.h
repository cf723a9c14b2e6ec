// Where each canonical tensor lives in a Keras preset's HDF5 files
// (spec §7.2, multimodal §6) and how its layout differs.
// Thread-safety: pure functions.
#ifndef GEMMA_MODEL_CHECKPOINT_KERAS_LAYOUT_H_
#define GEMMA_MODEL_CHECKPOINT_KERAS_LAYOUT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/config.h"

namespace gemma::model {

struct KerasSource {
  std::string
      group;      // e.g. "/layers/gemma4_text_decoder_block_3/ffw_linear/vars"
  int index = 0;  // dataset name inside the group
};

// One canonical tensor = transpose(keras, perm) reshaped to the canonical
// shape. With two sources (the expert bank's gate and up kernels), each is
// permuted and the results are concatenated along axis 1.
struct KerasBinding {
  std::vector<KerasSource> sources;
  std::vector<int64_t> keras_shape;  // shape of each source dataset
  std::vector<int> perm;             // empty: same element order
};

// Canonical name -> binding, for every tensor of ExpectedTensors(config).
std::map<std::string, KerasBinding> KerasBindings(const ModelConfig& config);

// Top-level HDF5 group prefixes of the vision and audio towers.
inline constexpr char kKerasVisionRoot[] = "/layers/gemma4_vision_encoder/";
inline constexpr char kKerasAudioRoot[] = "/layers/gemma4_audio_encoder/";

}  // namespace gemma::model

#endif  // GEMMA_MODEL_CHECKPOINT_KERAS_LAYOUT_H_
