#include "model/checkpoint/tensor_spec.h"

#include <map>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace gemma::model {
namespace {

using Shape = std::vector<int64_t>;

class SpecList {
 public:
  void Add(std::string name, Shape shape, InitKind init) {
    specs_.push_back({std::move(name), std::move(shape), init});
  }
  std::vector<TensorSpec> Take() { return std::move(specs_); }

 private:
  std::vector<TensorSpec> specs_;
};

void AddTextTensors(const TextConfig& t, SpecList& out) {
  const std::string p(kTextPrefix);
  const int64_t H = t.hidden_dim;
  const int64_t P = t.per_layer_input_dim;
  const int64_t L = t.num_layers;
  out.Add(p + "embed_tokens.weight", {t.vocab_size, H}, InitKind::kEmbedding);
  if (P > 0) {
    out.Add(p + "embed_tokens_per_layer.weight",
            {t.per_layer_vocab_size, L * P}, InitKind::kEmbedding);
    out.Add(p + "per_layer_model_projection.weight", {L * P, H},
            InitKind::kKernel);
    out.Add(p + "per_layer_projection_norm.weight", {P}, InitKind::kScale);
  }
  for (int i = 0; i < t.num_layers; ++i) {
    const LayerSpec s = t.Layer(i);
    const std::string l = absl::StrCat(p, "layers.", i, ".");
    const int64_t d = s.head_dim;
    const int64_t q = static_cast<int64_t>(t.num_query_heads) * d;
    const int64_t kv = static_cast<int64_t>(s.num_kv_heads) * d;
    out.Add(l + "input_layernorm.weight", {H}, InitKind::kScale);
    out.Add(l + "post_attention_layernorm.weight", {H}, InitKind::kScale);
    out.Add(l + "pre_feedforward_layernorm.weight", {H}, InitKind::kScale);
    out.Add(l + "post_feedforward_layernorm.weight", {H}, InitKind::kScale);
    out.Add(l + "layer_scalar", {1}, InitKind::kScale);
    out.Add(l + "self_attn.q_proj.weight", {q, H}, InitKind::kKernel);
    out.Add(l + "self_attn.q_norm.weight", {d}, InitKind::kQkNorm);
    if (!s.kv_shared) {
      out.Add(l + "self_attn.k_proj.weight", {kv, H}, InitKind::kKernel);
      out.Add(l + "self_attn.k_norm.weight", {d}, InitKind::kQkNorm);
      if (!s.k_eq_v) {
        out.Add(l + "self_attn.v_proj.weight", {kv, H}, InitKind::kKernel);
      }
    }
    out.Add(l + "self_attn.o_proj.weight", {H, q}, InitKind::kKernel);
    out.Add(l + "mlp.gate_proj.weight", {s.mlp_dim, H}, InitKind::kKernel);
    out.Add(l + "mlp.up_proj.weight", {s.mlp_dim, H}, InitKind::kKernel);
    out.Add(l + "mlp.down_proj.weight", {H, s.mlp_dim}, InitKind::kKernel);
    if (P > 0) {
      out.Add(l + "per_layer_input_gate.weight", {P, H}, InitKind::kKernel);
      out.Add(l + "per_layer_projection.weight", {H, P}, InitKind::kKernel);
      out.Add(l + "post_per_layer_input_norm.weight", {H}, InitKind::kScale);
    }
    if (t.enable_moe) {
      const int64_t E = t.num_experts;
      const int64_t Ie = t.expert_intermediate_dim;
      out.Add(l + "router.proj.weight", {E, H}, InitKind::kKernel);
      out.Add(l + "router.scale", {H}, InitKind::kScale);
      out.Add(l + "router.per_expert_scale", {E}, InitKind::kScale);
      out.Add(l + "experts.gate_up_proj", {E, 2 * Ie, H}, InitKind::kKernel);
      out.Add(l + "experts.down_proj", {E, H, Ie}, InitKind::kKernel);
      out.Add(l + "pre_feedforward_layernorm_2.weight", {H}, InitKind::kScale);
      out.Add(l + "post_feedforward_layernorm_1.weight", {H}, InitKind::kScale);
      out.Add(l + "post_feedforward_layernorm_2.weight", {H}, InitKind::kScale);
    }
  }
  out.Add(p + "norm.weight", {H}, InitKind::kScale);
}

// A clippable linear: weight [out, in] plus four 0-d clip bounds if clipped.
void AddClippedLinear(const std::string& base, int64_t out_dim, int64_t in_dim,
                      bool clipped, SpecList& out) {
  out.Add(base + ".linear.weight", {out_dim, in_dim}, InitKind::kKernel);
  if (clipped) {
    out.Add(base + ".input_min", {}, InitKind::kClipMin);
    out.Add(base + ".input_max", {}, InitKind::kClipMax);
    out.Add(base + ".output_min", {}, InitKind::kClipMin);
    out.Add(base + ".output_max", {}, InitKind::kClipMax);
  }
}

void AddVisionTensors(const VisionConfig& v, int64_t text_hidden,
                      SpecList& out) {
  const std::string p(kVisionPrefix);
  const int64_t D = v.hidden_dim;
  const int64_t patch = static_cast<int64_t>(v.patch_size) * v.patch_size * 3;
  out.Add(p + "patch_embedder.input_proj.weight", {D, patch},
          InitKind::kKernel);
  out.Add(p + "patch_embedder.position_embedding_table",
          {2, v.position_embedding_size, D}, InitKind::kEmbedding);
  const int64_t q = static_cast<int64_t>(v.num_heads) * v.head_dim;
  const int64_t kv = static_cast<int64_t>(v.num_kv_heads) * v.head_dim;
  const bool c = v.use_clipped_linears;
  for (int i = 0; i < v.num_layers; ++i) {
    const std::string l = absl::StrCat(p, "encoder.layers.", i, ".");
    out.Add(l + "input_layernorm.weight", {D}, InitKind::kScale);
    out.Add(l + "post_attention_layernorm.weight", {D}, InitKind::kScale);
    out.Add(l + "pre_feedforward_layernorm.weight", {D}, InitKind::kScale);
    out.Add(l + "post_feedforward_layernorm.weight", {D}, InitKind::kScale);
    AddClippedLinear(l + "self_attn.q_proj", q, D, c, out);
    AddClippedLinear(l + "self_attn.k_proj", kv, D, c, out);
    AddClippedLinear(l + "self_attn.v_proj", kv, D, c, out);
    AddClippedLinear(l + "self_attn.o_proj", D, q, c, out);
    out.Add(l + "self_attn.q_norm.weight", {v.head_dim}, InitKind::kQkNorm);
    out.Add(l + "self_attn.k_norm.weight", {v.head_dim}, InitKind::kQkNorm);
    AddClippedLinear(l + "mlp.gate_proj", v.intermediate_dim, D, c, out);
    AddClippedLinear(l + "mlp.up_proj", v.intermediate_dim, D, c, out);
    AddClippedLinear(l + "mlp.down_proj", D, v.intermediate_dim, c, out);
  }
  if (v.standardize) {
    out.Add(p + "std_bias", {D}, InitKind::kBias);
    out.Add(p + "std_scale", {D}, InitKind::kScale);
  }
  out.Add(std::string(kEmbedVisionPrefix) + "embedding_projection.weight",
          {text_hidden, D}, InitKind::kKernel);
}

void AddAudioTensors(const AudioConfig& a, int64_t text_hidden, SpecList& out) {
  const std::string p(kAudioPrefix);
  const int64_t D = a.hidden_dim;
  const bool c = a.use_clipped_linears;
  const std::string s = p + "subsample_conv_projection.";
  int64_t in_ch = 1;
  int64_t freq = a.input_feat_size;
  for (size_t k = 0; k < a.sscp_channels.size(); ++k) {
    const int64_t ch = a.sscp_channels[k];
    out.Add(absl::StrCat(s, "layer", k, ".conv.weight"), {ch, in_ch, 3, 3},
            InitKind::kKernel);
    out.Add(absl::StrCat(s, "layer", k, ".norm.weight"), {ch},
            InitKind::kScale);
    in_ch = ch;
    freq = (freq + 1) / 2;  // 3x3 stride-2 "same" convolution.
  }
  out.Add(s + "input_proj_linear.weight", {D, freq * in_ch}, InitKind::kKernel);
  const int64_t head_dim = D / a.num_heads;
  for (int i = 0; i < a.num_layers; ++i) {
    const std::string l = absl::StrCat(p, "layers.", i, ".");
    for (const char* ff : {"feed_forward1", "feed_forward2"}) {
      const std::string f = l + ff;
      out.Add(f + ".pre_layer_norm.weight", {D}, InitKind::kScale);
      AddClippedLinear(f + ".ffw_layer_1", 4 * D, D, c, out);
      AddClippedLinear(f + ".ffw_layer_2", D, 4 * D, c, out);
      out.Add(f + ".post_layer_norm.weight", {D}, InitKind::kScale);
    }
    AddClippedLinear(l + "self_attn.q_proj", D, D, c, out);
    AddClippedLinear(l + "self_attn.k_proj", D, D, c, out);
    AddClippedLinear(l + "self_attn.v_proj", D, D, c, out);
    AddClippedLinear(l + "self_attn.post", D, D, c, out);
    out.Add(l + "self_attn.relative_k_proj.weight", {D, D}, InitKind::kKernel);
    out.Add(l + "self_attn.per_dim_scale", {head_dim}, InitKind::kScale);
    out.Add(l + "norm_pre_attn.weight", {D}, InitKind::kScale);
    out.Add(l + "norm_post_attn.weight", {D}, InitKind::kScale);
    out.Add(l + "lconv1d.pre_layer_norm.weight", {D}, InitKind::kScale);
    AddClippedLinear(l + "lconv1d.linear_start", 2 * D, D, c, out);
    out.Add(l + "lconv1d.depthwise_conv1d.weight", {D, 1, a.conv_kernel_size},
            InitKind::kKernel);
    out.Add(l + "lconv1d.conv_norm.weight", {D}, InitKind::kScale);
    AddClippedLinear(l + "lconv1d.linear_end", D, D, c, out);
    out.Add(l + "norm_out.weight", {D}, InitKind::kScale);
  }
  out.Add(p + "output_proj.weight", {a.output_proj_dims, D}, InitKind::kKernel);
  out.Add(p + "output_proj.bias", {a.output_proj_dims}, InitKind::kBias);
  out.Add(std::string(kEmbedAudioPrefix) + "embedding_projection.weight",
          {text_hidden, a.output_proj_dims}, InitKind::kKernel);
}

// Layer index of "model.language_model.layers.<i>.<rest>", with <rest>.
std::optional<std::pair<int, absl::string_view>> TextLayerOf(
    absl::string_view name) {
  const std::string prefix = absl::StrCat(kTextPrefix, "layers.");
  if (!absl::StartsWith(name, prefix)) return std::nullopt;
  name.remove_prefix(prefix.size());
  const size_t dot = name.find('.');
  if (dot == absl::string_view::npos) return std::nullopt;
  int layer = 0;
  if (!absl::SimpleAtoi(name.substr(0, dot), &layer)) return std::nullopt;
  return std::make_pair(layer, name.substr(dot + 1));
}

}  // namespace

std::vector<TensorSpec> ExpectedTensors(const ModelConfig& config) {
  SpecList out;
  AddTextTensors(config.text, out);
  if (config.vision) {
    AddVisionTensors(*config.vision, config.text.hidden_dim, out);
  }
  if (config.audio) {
    AddAudioTensors(*config.audio, config.text.hidden_dim, out);
  }
  return out.Take();
}

Tower TowerOf(absl::string_view name) {
  if (absl::StartsWith(name, kVisionPrefix) ||
      absl::StartsWith(name, kEmbedVisionPrefix)) {
    return Tower::kVision;
  }
  if (absl::StartsWith(name, kAudioPrefix) ||
      absl::StartsWith(name, kEmbedAudioPrefix)) {
    return Tower::kAudio;
  }
  return Tower::kText;
}

bool IsIgnorableTensor(const TextConfig& text, absl::string_view name) {
  if (name == "lm_head.weight" || name == "model.lm_head.weight" ||
      name == absl::StrCat(kTextPrefix, "lm_head.weight")) {
    return true;
  }
  if (name == "model.vision_tower.pooler.scale") return true;
  auto layer = TextLayerOf(name);
  if (!layer || layer->first < 0 || layer->first >= text.num_layers) {
    return false;
  }
  const absl::string_view rest = layer->second;
  if (rest != "self_attn.k_proj.weight" && rest != "self_attn.v_proj.weight" &&
      rest != "self_attn.k_norm.weight") {
    return false;
  }
  return text.Layer(layer->first).kv_shared;
}

int64_t TextParameterCount(const ModelConfig& config) {
  ModelConfig text_only;
  text_only.text = config.text;
  int64_t total = 0;
  for (const TensorSpec& s : ExpectedTensors(text_only)) {
    int64_t n = 1;
    for (int64_t d : s.shape) n *= d;
    total += n;
  }
  return total;
}

absl::Status ValidateWeights(const ModelConfig& config,
                             const WeightStore& weights) {
  const std::vector<TensorSpec> expected = ExpectedTensors(config);
  std::map<absl::string_view, const TensorSpec*> by_name;
  for (const TensorSpec& s : expected) by_name[s.name] = &s;
  // Dtype per tower: the first tensor of a tower fixes it.
  std::map<Tower, std::pair<DType, std::string>> tower_dtype;
  for (const TensorSpec& s : expected) {
    absl::StatusOr<TensorView> view = weights.Get(s.name);
    if (!view.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "checkpoint is missing tensor ", s.name, " required by its config"));
    }
    absl::StatusOr<TensorView> shaped = weights.Get(s.name, s.shape);
    if (!shaped.ok()) return shaped.status();
    if (view->dtype != DType::kF32 && view->dtype != DType::kBF16) {
      return absl::InvalidArgumentError(absl::StrCat(
          weights.SourceOf(s.name), ": tensor ", s.name, " has dtype ",
          DTypeName(view->dtype), "; only float32 and bfloat16 are supported"));
    }
    const Tower tower = TowerOf(s.name);
    auto it = tower_dtype.find(tower);
    if (it == tower_dtype.end()) {
      tower_dtype[tower] = {view->dtype, s.name};
    } else if (it->second.first != view->dtype) {
      return absl::InvalidArgumentError(
          absl::StrCat(weights.SourceOf(s.name), ": tensor ", s.name, " is ",
                       DTypeName(view->dtype), " but ", it->second.second,
                       " is ", DTypeName(it->second.first),
                       "; a tower's tensors must share one dtype"));
    }
  }
  for (const std::string& name : weights.Names()) {
    if (by_name.find(name) == by_name.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(weights.SourceOf(name), ": unexpected tensor ", name,
                       " (not part of the model its config describes)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace gemma::model
