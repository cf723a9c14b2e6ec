// The canonical tensor list a ModelConfig implies: every name and shape of
// the Hugging Face multimodal layout (spec §7.3, multimodal §6), derived per
// layer from TextConfig::Layer(i). Used to validate loaded checkpoints, to
// generate random ones, and to count parameters.
// Thread-safety: pure functions.
#ifndef GEMMA_MODEL_CHECKPOINT_TENSOR_SPEC_H_
#define GEMMA_MODEL_CHECKPOINT_TENSOR_SPEC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "model/config.h"
#include "model/weights.h"

namespace gemma::model {

inline constexpr absl::string_view kTextPrefix = "model.language_model.";
inline constexpr absl::string_view kVisionPrefix = "model.vision_tower.";
inline constexpr absl::string_view kEmbedVisionPrefix = "model.embed_vision.";
inline constexpr absl::string_view kAudioPrefix = "model.audio_tower.";
inline constexpr absl::string_view kEmbedAudioPrefix = "model.embed_audio.";

// How a random checkpoint initialises a tensor (golden fixture scheme).
enum class InitKind {
  kEmbedding,  // normal(0, 0.2)
  kKernel,     // normal(0, 0.15)
  kQkNorm,     // uniform(0.3, 0.8)
  kScale,      // uniform(0.5, 1.5)
  kClipMin,    // -uniform(1, 3)
  kClipMax,    // uniform(1, 3)
  kBias,       // normal(0, 0.1)
};

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  InitKind init = InitKind::kKernel;
};

enum class Tower { kText, kVision, kAudio };

// All tensors of the text model, then vision (if config.vision), then audio
// (if config.audio), in a stable order.
std::vector<TensorSpec> ExpectedTensors(const ModelConfig& config);

// Which tower a canonical name belongs to.
Tower TowerOf(absl::string_view name);

// True for tensors a file may carry that the model does not use and the
// loader drops (spec §7.3: k/v/k_norm of KV-shared layers, lm_head).
bool IsIgnorableTensor(const TextConfig& text, absl::string_view name);

// Number of text-model parameters (tied embedding once, layer_scalar
// included), from the expected shapes.
int64_t TextParameterCount(const ModelConfig& config);

// Checks `weights` against the config: every expected tensor present with
// its shape and `config.weights_dtype`, nothing unexpected. Messages name the
// file (WeightStore::SourceOf) and the tensor.
absl::Status ValidateWeights(const ModelConfig& config,
                             const WeightStore& weights);

}  // namespace gemma::model

#endif  // GEMMA_MODEL_CHECKPOINT_TENSOR_SPEC_H_
