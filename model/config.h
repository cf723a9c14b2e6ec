// The architecture of one Gemma 4 checkpoint, in one form whichever layout
// (Keras preset or Hugging Face directory) it was read from.
//
// Field meanings follow the spec's §1.1 (Keras names) with the Hugging Face
// mapping of §1.2 applied by the loader. Derived per-layer facts (head width,
// KV heads, KV source, MLP width) come from LayerSpec(), so no code repeats
// the rules of §1.3/§2.6.
// Thread-safety: plain values.
#ifndef GEMMA_MODEL_CONFIG_H_
#define GEMMA_MODEL_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "model/tensor.h"

namespace gemma::model {

enum class LayerType { kSliding, kGlobal };

// Per-layer facts derived from TextConfig (spec §1.3 "Per-layer tensor
// widths", §2.6 KV sharing, §2.7 double-wide MLP).
struct LayerSpec {
  LayerType type = LayerType::kSliding;
  int head_dim = 0;        // hd on sliding layers, ghd on global layers.
  int num_kv_heads = 0;    // Nkv, or Nkv_g on K=V global layers.
  bool k_eq_v = false;     // Global layer of a model with K=V (no v_proj).
  bool kv_shared = false;  // Reads K/V of layer kv_source; owns no K/V.
  int kv_source = -1;      // Layer whose K/V this layer reads (itself if own).
  int mlp_dim = 0;         // I, or 2*I on double-wide KV-shared layers.
  float rope_base = 0;     // local or global RoPE wavelength.
  int rope_rotated = 0;    // Number of rotated dimensions (even, <= head_dim).
  float rope_scaling = 1;  // Divides inverse frequencies.
};

struct TextConfig {
  int vocab_size = 0;
  int num_layers = 0;
  int num_query_heads = 0;
  int num_kv_heads = 0;
  int hidden_dim = 0;
  int intermediate_dim = 0;
  int head_dim = 0;
  int global_head_dim = 0;  // == head_dim when the config has none.
  std::optional<int> num_global_kv_heads;  // Set => K=V on global layers.
  std::optional<float> attention_logit_soft_cap;
  std::optional<float> final_logit_soft_cap;
  bool use_sliding_window = true;
  int sliding_window = 512;
  std::vector<LayerType> layer_types;  // One per layer, always filled.
  float local_rope_base = 10000.0f;
  float global_rope_base = 1000000.0f;
  float local_rope_scaling = 1.0f;
  float global_rope_scaling = 1.0f;
  float global_partial_rotary_factor = 1.0f;
  float rms_norm_eps = 1e-6f;
  bool vision_bidirectional_attention = false;
  int num_kv_shared_layers = 0;
  int per_layer_input_dim = 0;    // P; 0 disables per-layer embeddings.
  int per_layer_vocab_size = 0;   // Rows of the PLE table (V when unset).
  bool use_double_wide_mlp = false;
  bool enable_moe = false;
  int num_experts = 0;
  int expert_intermediate_dim = 0;
  int num_experts_per_token = 8;

  LayerSpec Layer(int i) const;
  // Checks internal consistency (head counts divide, layer_types length...).
  absl::Status Validate() const;
};

// Vision tower (multimodal spec §2.1). Present in every real checkpoint.
struct VisionConfig {
  int hidden_dim = 768;
  int intermediate_dim = 3072;
  int num_layers = 16;
  int num_heads = 12;
  int num_kv_heads = 12;
  int head_dim = 64;
  float rms_norm_eps = 1e-6f;
  float rope_base = 100.0f;
  int patch_size = 16;
  int pooling_kernel = 3;
  int position_embedding_size = 10240;
  bool use_clipped_linears = false;
  bool standardize = false;
  int default_soft_tokens = 280;  // Soft-token budget per image.
};

// Audio tower (multimodal spec §4.1). E2B/E4B only.
struct AudioConfig {
  int hidden_dim = 1024;
  int num_layers = 12;
  int num_heads = 8;
  std::vector<int> sscp_channels = {128, 32};
  int conv_kernel_size = 5;
  float residual_weight = 0.5f;
  int chunk_size = 12;
  int context_left = 13;
  int context_right = 0;
  float logit_cap = 50.0f;
  float invalid_logit_value = -1e9f;
  bool use_clipped_linears = true;
  float rms_norm_eps = 1e-6f;
  float gradient_clipping = 1e10f;
  int output_proj_dims = 1536;
  int input_feat_size = 128;
};

// Token ids the model's inputs and outputs use (spec §6.2; read from the
// checkpoint's tokenizer/config where present).
struct SpecialTokens {
  int pad = 0;
  int eos = 1;
  int bos = 2;
  int turn_start = -1;  // <|turn>
  int turn_end = -1;    // <turn|>
  int image_start = -1, image_soft = -1, image_end = -1;  // <|image> <|image|> <image|>
  int audio_start = -1, audio_soft = -1, audio_end = -1;
  int video_soft = -1;
};

enum class CheckpointLayout { kKeras, kHuggingFace, kRandom };

struct ModelConfig {
  TextConfig text;
  std::optional<VisionConfig> vision;
  std::optional<AudioConfig> audio;
  // Second tanh cap applied by keras-hub's Gemma4CausalLM (task.json
  // final_logit_cap); HF checkpoints never have one (spec §2.10).
  std::optional<float> task_final_logit_cap;
  // Default total length (prompt + generation) from preprocessor.json, or
  // keras-hub's 1024 when absent.
  int default_max_length = 1024;
  DType weights_dtype = DType::kF32;  // dtype of the checkpoint's tensors.
  CheckpointLayout layout = CheckpointLayout::kHuggingFace;
  std::string family;  // "e2b", "e4b", "moe", "dense", or "custom".
};

}  // namespace gemma::model

#endif  // GEMMA_MODEL_CONFIG_H_
