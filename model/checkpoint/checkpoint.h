// Loading, validating, generating and writing Gemma 4 checkpoints.
//
// LoadCheckpoint() reads either layout of spec §7 (a Keras preset directory
// or a Hugging Face directory, float32 or bfloat16, single-file or sharded),
// fills a ModelConfig, and puts every tensor into a WeightStore under the
// canonical Hugging Face multimodal names and shapes (see model/weights.h),
// after checking that exactly the tensors the config implies are present
// with the right shapes. Large tensors stay in mapped files (zero copy);
// only tensors that need a permutation (Keras kernels) are copied. bfloat16
// stays bfloat16.
//
// The authoritative list of canonical names and shapes for a config is
// ExpectedTensors() in model/checkpoint/tensor_spec.h. Notes for users of
// the WeightStore:
//  - layer_scalar has shape [1]; clip bounds (input_min, ...) are 0-d.
//  - MoE: experts.gate_up_proj [E, 2*Ie, H] (gate rows first, then up),
//    experts.down_proj [E, H, Ie], router.proj.weight [E, H].
//  - KV-shared layers have no k_proj/v_proj/k_norm; K=V global layers have
//    no v_proj.
//  - Each tower's tensors share one dtype; config.weights_dtype is the text
//    model's. A vision/audio tower may differ: check TensorView::dtype.
//  - Views may point into read-only mapped files: never write through them.
//
// MakeRandomCheckpoint() builds any config with random weights in memory
// (same distributions as the golden fixtures), and WriteCheckpoint() writes
// a checkpoint directory that LoadCheckpoint() reads back.
//
// Thread-safety: the functions are reentrant, but libhdf5 (serial build) is
// not thread-safe, so do not load or write Keras checkpoints from two threads
// at once. A loaded Checkpoint is immutable and safe to share.
#ifndef GEMMA_MODEL_CHECKPOINT_CHECKPOINT_H_
#define GEMMA_MODEL_CHECKPOINT_CHECKPOINT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model/config.h"
#include "model/tensor.h"
#include "model/weights.h"

namespace gemma::model {

// Paths of the tokenizer-related files of a checkpoint ("" when absent).
struct TokenizerFiles {
  std::string spm_model;  // tokenizer.model or assets/tokenizer/vocabulary.spm
  std::string hf_tokenizer_json;  // HF tokenizer.json
  std::string chat_template;      // chat_template.jinja
  std::string generation_config;  // generation_config.json
};

struct Checkpoint {
  std::string dir;  // "" for an in-memory (random) checkpoint.
  ModelConfig config;
  WeightStore weights;
  TokenizerFiles tokenizer;
};

struct LoadOptions {
  // When false, the tower's tensors are skipped (not loaded, not validated)
  // and its config is dropped.
  bool load_vision = true;
  bool load_audio = true;
};

// Loads the checkpoint directory `dir` (layout detected from its files).
// Errors name the file and, where relevant, the tensor.
absl::StatusOr<std::unique_ptr<Checkpoint>> LoadCheckpoint(
    const std::string& dir, const LoadOptions& options = {});

// Builds `config` with random weights drawn from `seed` (embeddings and
// position tables normal(0, 0.2), kernels normal(0, 0.15), q/k norms
// uniform(0.3, 0.8), other scales uniform(0.5, 1.5), clip bounds
// -U(1,3)/U(1,3)), in config.weights_dtype (float32 or bfloat16).
absl::StatusOr<std::unique_ptr<Checkpoint>> MakeRandomCheckpoint(
    const ModelConfig& config, uint64_t seed);

// "tiny" (a small test model with small vision and audio towers), "e2b",
// "e4b", "moe" (26B-A4B), "dense" (31B): the real ones per spec §1.3 with
// their vision/audio tower configs.
absl::StatusOr<ModelConfig> NamedConfig(absl::string_view name);

// Writes `ckpt` as a checkpoint directory `out_dir` (created if needed) in
// `layout` (kKeras or kHuggingFace) with tensors stored as `dtype`. When
// `tokenizer_spm_path` is not empty, that SentencePiece model is copied to
// the layout's place (tokenizer.model / assets/tokenizer/vocabulary.spm).
absl::Status WriteCheckpoint(const Checkpoint& ckpt, const std::string& out_dir,
                             CheckpointLayout layout, DType dtype,
                             const std::string& tokenizer_spm_path);

}  // namespace gemma::model

#endif  // GEMMA_MODEL_CHECKPOINT_CHECKPOINT_H_
