// The Gemma 4 text decoder (spec §2–§4) on oneDNN: token embedding ×√H,
// per-layer embeddings, sliding/global attention with their own head
// widths and RoPE, KV sharing, K=V attention, double-wide MLP, MoE, PLE
// gate, layer scalar, final norm, tied LM head and soft cap(s), and hooks
// for multimodal soft tokens.
//
// Create() packs every matmul weight once (f32, or bf16 with bf16
// activations); the token-embedding and per-layer-embedding tables are read
// a row per token straight from the WeightStore's views (mapped files), so
// the WeightStore must outlive the model. Forward() runs one ragged batch
// (forward_batch.h) over a paged KvCache (kv_cache.h).
//
// Thread-safety: a Gemma4Model is immutable after Create(); many instances
// (engine threads) may share it, each with its own ForwardState and
// KvCache, one step at a time per state. oneDNN parallelises each matmul
// with OpenMP (ModelOptions::num_threads, else OMP_NUM_THREADS).
#ifndef GEMMA_MODEL_DECODER_GEMMA4_MODEL_H_
#define GEMMA_MODEL_DECODER_GEMMA4_MODEL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/config.h"
#include "model/decoder/forward_batch.h"
#include "model/decoder/forward_state.h"
#include "model/decoder/kv_cache.h"
#include "model/ops/linear.h"
#include "model/weights.h"

namespace gemma::model {

class WeightLoader;  // gemma4_model.cc

struct ModelOptions {
  enum class Compute {
    kAuto,  // bf16 when the weights are bf16, else f32.
    kF32,   // f32 weights (bf16 upcast exactly) and f32 activations.
    kBF16,  // bf16 weights and activations, f32 accumulation (every CPU:
            // see model/ops/linear.h for the kernels).
  };
  Compute compute = Compute::kAuto;
  // Drop each packed tensor from the WeightStore once packed, so its memory
  // is not held twice (owned buffers are freed; mapped files unmapped when
  // nothing else holds them). The embedding tables are kept.
  bool release_packed_weights = false;
  // OpenMP threads for the matmuls and attention of each Forward call (set
  // on the calling thread at every call); 0 leaves the OpenMP default
  // (OMP_NUM_THREADS, else all cores).
  int num_threads = 0;
};

class Gemma4Model {
 public:
  // Validates the config and every tensor's presence and shape (errors name
  // the tensor and its file) and packs the weights.
  static absl::StatusOr<std::unique_ptr<Gemma4Model>> Create(
      const ModelConfig& config, WeightStore& weights,
      const ModelOptions& options = {});
  ~Gemma4Model();

  const ModelConfig& config() const { return config_; }
  // The matmul weight format chosen (kF32 or kBF16).
  ops::WeightFormat weight_format() const { return format_; }
  // Bytes of packed matmul weights.
  size_t packed_bytes() const;

  // A fresh working state for one engine thread.
  std::unique_ptr<ForwardState> NewState() const;

  // Runs one step. Each entry's K/V for its new positions are written into
  // its blocks of `kv` before attention reads them. On error (bad ids,
  // positions, block tables or multimodal inputs: INVALID_ARGUMENT naming
  // the entry) nothing is written to `out`; the cache may hold partial
  // writes for the failed step's new positions only.
  absl::Status Forward(ForwardState* state, KvCache* kv,
                       absl::Span<const ForwardEntry> batch, ForwardOutput* out,
                       bool want_hidden = false) const;

 private:
  struct Layer;
  Gemma4Model() = default;

  absl::Status LoadLayer(int index, WeightStore& weights, WeightLoader& loader);
  absl::Status Validate(const KvCache& kv,
                        absl::Span<const ForwardEntry> batch) const;
  void Embed(ForwardState* st, absl::Span<const ForwardEntry> batch) const;
  absl::Status PerLayerInputs(ForwardState* st, int rows) const;
  absl::Status RunLayer(int index, ForwardState* st, KvCache* kv,
                        absl::Span<const ForwardEntry> batch, int rows) const;
  absl::Status Attend(int index, ForwardState* st, KvCache* kv,
                      absl::Span<const ForwardEntry> batch, int rows) const;
  absl::Status FeedForward(int index, ForwardState* st, int rows) const;
  absl::Status Experts(const Layer& layer, ForwardState* st, int rows) const;
  absl::Status Mlp(ForwardState* st, const ops::PackedWeight& gate,
                   const ops::PackedWeight& up, const ops::PackedWeight& down,
                   const float* in, int rows, float* out) const;

  ModelConfig config_;
  int num_threads_ = 0;
  ops::WeightFormat format_ = ops::WeightFormat::kF32;
  dnnl::engine engine_;
  TensorView embed_;      // [V, H], read a row per token.
  TensorView ple_table_;  // [V_ple, L*P], read a row per token.
  std::unique_ptr<ops::PackedWeight> lm_head_;
  std::unique_ptr<ops::PackedWeight> ple_projection_;
  std::vector<float> ple_norm_, final_norm_;
  std::vector<std::unique_ptr<Layer>> layers_;
};

}  // namespace gemma::model

#endif  // GEMMA_MODEL_DECODER_GEMMA4_MODEL_H_
