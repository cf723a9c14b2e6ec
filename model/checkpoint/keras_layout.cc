#include "model/checkpoint/keras_layout.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "model/checkpoint/tensor_spec.h"

namespace gemma::model {
namespace {

using Shape = std::vector<int64_t>;

enum class Kind {
  kSame,      // same shape and order
  kScalar,    // Keras 0-d, canonical [1] (or 0-d)
  kT,         // 2-D transpose
  kHeadsIn,   // Keras [N, H, d] -> canonical [N*d, H]
  kHeadsOut,  // Keras [N, d, H] -> canonical [H, N*d]
  kPerm,      // canonical = transpose(keras, perm)
  kGateUp,    // two Keras [E, H, Ie] -> canonical [E, 2*Ie, H]
};

class Builder {
 public:
  explicit Builder(const ModelConfig& config) {
    for (TensorSpec& s : ExpectedTensors(config)) {
      shapes_[s.name] = std::move(s.shape);
    }
  }

  // Binds `canonical` to `group`/`index`. `heads` is N for kHeadsIn/Out.
  void Bind(const std::string& canonical, const std::string& group, int index,
            Kind kind, int heads = 0, std::vector<int> perm = {}) {
    auto it = shapes_.find(canonical);
    CHECK(it != shapes_.end()) << "no expected tensor " << canonical;
    const Shape& c = it->second;
    KerasBinding b;
    b.sources.push_back({group, index});
    switch (kind) {
      case Kind::kSame:
        b.keras_shape = c;
        break;
      case Kind::kScalar:
        b.keras_shape = {};
        break;
      case Kind::kT:
        b.keras_shape = {c[1], c[0]};
        b.perm = {1, 0};
        break;
      case Kind::kHeadsIn:
        b.keras_shape = {heads, c[1], c[0] / heads};
        b.perm = {0, 2, 1};
        break;
      case Kind::kHeadsOut:
        b.keras_shape = {heads, c[1] / heads, c[0]};
        b.perm = {2, 0, 1};
        break;
      case Kind::kPerm: {
        b.keras_shape.assign(c.size(), 0);
        for (size_t i = 0; i < perm.size(); ++i) b.keras_shape[perm[i]] = c[i];
        b.perm = std::move(perm);
        break;
      }
      case Kind::kGateUp:
        b.sources.push_back({group, index + 1});
        b.keras_shape = {c[0], c[2], c[1] / 2};
        b.perm = {0, 2, 1};
        break;
    }
    out_[canonical] = std::move(b);
  }

  // A clippable linear: kernel under <group>/dense/vars/0 and, if clipped,
  // input_min, input_max, output_min, output_max as <group>/vars/0..3.
  void BindClipped(const std::string& canonical_base, const std::string& group,
                   Kind kind, int heads, bool clipped) {
    Bind(canonical_base + ".linear.weight", group + "/dense/vars", 0, kind,
         heads);
    if (!clipped) return;
    const char* names[] = {"input_min", "input_max", "output_min",
                           "output_max"};
    for (int i = 0; i < 4; ++i) {
      Bind(absl::StrCat(canonical_base, ".", names[i]), group + "/vars", i,
           Kind::kSame);
    }
  }

  std::map<std::string, KerasBinding> Take() { return std::move(out_); }

 private:
  std::map<std::string, Shape> shapes_;
  std::map<std::string, KerasBinding> out_;
};

std::string Indexed(const std::string& base, int i) {
  return i == 0 ? base : absl::StrCat(base, "_", i);
}

void BindText(const TextConfig& t, Builder& b) {
  const std::string p(kTextPrefix);
  const bool ple = t.per_layer_input_dim > 0;
  b.Bind(p + "embed_tokens.weight", "/layers/reversible_embedding/vars", 0,
         Kind::kSame);
  if (ple) {
    b.Bind(p + "embed_tokens_per_layer.weight", "/layers/embedding/vars", 0,
           Kind::kSame);
    b.Bind(p + "per_layer_model_projection.weight", "/layers/dense/vars", 0,
           Kind::kT);
    b.Bind(p + "per_layer_projection_norm.weight",
           "/layers/rms_normalization/vars", 0, Kind::kSame);
  }
  b.Bind(p + "norm.weight",
         ple ? "/layers/rms_normalization_1/vars"
             : "/layers/rms_normalization/vars",
         0, Kind::kSame);
  for (int i = 0; i < t.num_layers; ++i) {
    const LayerSpec s = t.Layer(i);
    const std::string l = absl::StrCat(p, "layers.", i, ".");
    const std::string g = Indexed("/layers/gemma4_text_decoder_block", i);
    auto at = [&](const char* sub) {
      return absl::StrCat(g, "/", sub, "/vars");
    };
    b.Bind(l + "layer_scalar", g + "/vars", 0, Kind::kScalar);
    b.Bind(l + "input_layernorm.weight", at("pre_attention_norm"), 0,
           Kind::kSame);
    b.Bind(l + "post_attention_layernorm.weight", at("post_attention_norm"), 0,
           Kind::kSame);
    b.Bind(l + "pre_feedforward_layernorm.weight", at("pre_ffw_norm"), 0,
           Kind::kSame);
    b.Bind(l + "post_feedforward_layernorm.weight", at("post_ffw_norm"), 0,
           Kind::kSame);
    b.Bind(l + "self_attn.q_proj.weight", at("attention/query_dense"), 0,
           Kind::kHeadsIn, t.num_query_heads);
    b.Bind(l + "self_attn.q_norm.weight", at("attention/query_norm"), 0,
           Kind::kSame);
    if (!s.kv_shared) {
      b.Bind(l + "self_attn.k_proj.weight", at("attention/key_dense"), 0,
             Kind::kHeadsIn, s.num_kv_heads);
      b.Bind(l + "self_attn.k_norm.weight", at("attention/key_norm"), 0,
             Kind::kSame);
      if (!s.k_eq_v) {
        b.Bind(l + "self_attn.v_proj.weight", at("attention/value_dense"), 0,
               Kind::kHeadsIn, s.num_kv_heads);
      }
    }
    b.Bind(l + "self_attn.o_proj.weight", at("attention/output_dense"), 0,
           Kind::kHeadsOut, t.num_query_heads);
    b.Bind(l + "mlp.gate_proj.weight", at("gating_ffw"), 0, Kind::kT);
    b.Bind(l + "mlp.up_proj.weight", at("gating_ffw_2"), 0, Kind::kT);
    b.Bind(l + "mlp.down_proj.weight", at("ffw_linear"), 0, Kind::kT);
    if (ple) {
      b.Bind(l + "per_layer_input_gate.weight", at("per_layer_input_gate"), 0,
             Kind::kT);
      b.Bind(l + "per_layer_projection.weight", at("per_layer_up_proj"), 0,
             Kind::kT);
      b.Bind(l + "post_per_layer_input_norm.weight",
             at("post_per_layer_input_norm"), 0, Kind::kSame);
    }
    if (t.enable_moe) {
      b.Bind(l + "pre_feedforward_layernorm_2.weight", at("pre_ffw_norm_moe"),
             0, Kind::kSame);
      b.Bind(l + "post_feedforward_layernorm_1.weight",
             at("post_ffw_norm_dense"), 0, Kind::kSame);
      b.Bind(l + "post_feedforward_layernorm_2.weight",
             at("post_ffw_norm_moe_path"), 0, Kind::kSame);
      b.Bind(l + "router.scale", at("moe_router"), 0, Kind::kSame);
      b.Bind(l + "router.proj.weight", at("moe_router/proj"), 0, Kind::kT);
      b.Bind(l + "experts.gate_up_proj", at("moe_expert_bank"), 0,
             Kind::kGateUp);
      b.Bind(l + "experts.down_proj", at("moe_expert_bank"), 2, Kind::kPerm, 0,
             {0, 2, 1});
      b.Bind(l + "router.per_expert_scale", at("moe_expert_bank"), 3,
             Kind::kSame);
    }
  }
}

void BindVision(const VisionConfig& v, Builder& b) {
  const std::string p(kVisionPrefix);
  const std::string root = std::string(kKerasVisionRoot) + "layers/";
  const std::string enc = root + "gemma4_vision_encoder_block";
  b.Bind(p + "patch_embedder.input_proj.weight",
         enc + "/patch_embedder/input_proj/vars", 0, Kind::kT);
  b.Bind(p + "patch_embedder.position_embedding_table",
         enc + "/patch_embedder/vars", 0, Kind::kSame);
  const bool c = v.use_clipped_linears;
  for (int i = 0; i < v.num_layers; ++i) {
    const std::string l = absl::StrCat(p, "encoder.layers.", i, ".");
    const std::string g =
        Indexed(enc + "/encoder_blocks/gemma4_vision_decoder_block", i);
    auto at = [&](const char* sub) { return absl::StrCat(g, "/", sub); };
    b.Bind(l + "input_layernorm.weight", at("pre_attention_norm/vars"), 0,
           Kind::kSame);
    b.Bind(l + "post_attention_layernorm.weight",
           at("post_attention_norm/vars"), 0, Kind::kSame);
    b.Bind(l + "pre_feedforward_layernorm.weight", at("pre_ffw_norm/vars"), 0,
           Kind::kSame);
    b.Bind(l + "post_feedforward_layernorm.weight", at("post_ffw_norm/vars"), 0,
           Kind::kSame);
    b.BindClipped(l + "self_attn.q_proj", at("attention/query_dense"),
                  Kind::kHeadsIn, v.num_heads, c);
    b.BindClipped(l + "self_attn.k_proj", at("attention/key_dense"),
                  Kind::kHeadsIn, v.num_kv_heads, c);
    b.BindClipped(l + "self_attn.v_proj", at("attention/value_dense"),
                  Kind::kHeadsIn, v.num_kv_heads, c);
    b.BindClipped(l + "self_attn.o_proj", at("attention/output_dense"),
                  Kind::kHeadsOut, v.num_heads, c);
    b.Bind(l + "self_attn.q_norm.weight", at("attention/query_norm/vars"), 0,
           Kind::kSame);
    b.Bind(l + "self_attn.k_norm.weight", at("attention/key_norm/vars"), 0,
           Kind::kSame);
    b.BindClipped(l + "mlp.gate_proj", at("gating_ffw"), Kind::kT, 0, c);
    b.BindClipped(l + "mlp.up_proj", at("gating_ffw_2"), Kind::kT, 0, c);
    b.BindClipped(l + "mlp.down_proj", at("ffw_linear"), Kind::kT, 0, c);
  }
  const std::string out = root + "gemma4_vision_output";
  if (v.standardize) {
    b.Bind(p + "std_bias", out + "/vars", 0, Kind::kSame);
    b.Bind(p + "std_scale", out + "/vars", 1, Kind::kSame);
  }
  b.Bind(std::string(kEmbedVisionPrefix) + "embedding_projection.weight",
         out + "/vision_input_projection/vars", 0, Kind::kT);
}

void BindAudio(const AudioConfig& a, Builder& b) {
  const std::string p(kAudioPrefix);
  const std::string root(kKerasAudioRoot);
  const bool c = a.use_clipped_linears;
  b.Bind(std::string(kEmbedAudioPrefix) + "embedding_projection.weight",
         root + "audio_output_projection/vars", 0, Kind::kT);
  b.Bind(p + "output_proj.weight", root + "layers/dense/vars", 0, Kind::kT);
  b.Bind(p + "output_proj.bias", root + "layers/dense/vars", 1, Kind::kSame);
  const std::string sscp =
      root + "layers/gemma4_audio_sub_sample_conv_projection";
  for (size_t k = 0; k < a.sscp_channels.size(); ++k) {
    const std::string l = absl::StrCat(p, "subsample_conv_projection.layer", k);
    const std::string g = absl::StrCat(sscp, "/conv_", k);
    b.Bind(l + ".conv.weight", g + "/conv/vars", 0, Kind::kPerm, 0,
           {3, 2, 0, 1});
    b.Bind(l + ".norm.weight", g + "/norm/vars", 0, Kind::kSame);
  }
  b.Bind(p + "subsample_conv_projection.input_proj_linear.weight",
         sscp + "/input_proj/vars", 0, Kind::kT);
  for (int i = 0; i < a.num_layers; ++i) {
    const std::string l = absl::StrCat(p, "layers.", i, ".");
    const std::string g =
        Indexed(root + "conformer_blocks/gemma4_audio_conformer_block", i);
    auto at = [&](const char* sub) { return absl::StrCat(g, "/", sub); };
    const std::pair<const char*, const char*> ffws[] = {
        {"feed_forward1", "ffw_start"}, {"feed_forward2", "ffw_end"}};
    for (const auto& [hf, keras] : ffws) {
      const std::string f = l + hf;
      const std::string kg = absl::StrCat(g, "/", keras);
      b.Bind(f + ".pre_layer_norm.weight", kg + "/pre_norm/vars", 0,
             Kind::kSame);
      b.BindClipped(f + ".ffw_layer_1", kg + "/ffw_1", Kind::kT, 0, c);
      b.BindClipped(f + ".ffw_layer_2", kg + "/ffw_2", Kind::kT, 0, c);
      b.Bind(f + ".post_layer_norm.weight", kg + "/post_norm/vars", 0,
             Kind::kSame);
    }
    b.BindClipped(l + "self_attn.q_proj", at("attention/attn/q_proj"), Kind::kT,
                  0, c);
    b.BindClipped(l + "self_attn.k_proj", at("attention/attn/k_proj"), Kind::kT,
                  0, c);
    b.BindClipped(l + "self_attn.v_proj", at("attention/attn/v_proj"), Kind::kT,
                  0, c);
    b.BindClipped(l + "self_attn.post", at("attention/out_proj"), Kind::kT, 0,
                  c);
    b.Bind(l + "self_attn.relative_k_proj.weight",
           at("attention/attn/rpe/vars"), 0, Kind::kT);
    b.Bind(l + "self_attn.per_dim_scale", at("attention/attn/vars"), 0,
           Kind::kSame);
    b.Bind(l + "norm_pre_attn.weight", at("attention/pre_attn_norm/vars"), 0,
           Kind::kSame);
    b.Bind(l + "norm_post_attn.weight", at("attention/post_norm/vars"), 0,
           Kind::kSame);
    b.Bind(l + "lconv1d.pre_layer_norm.weight", at("lconv/pre_norm/vars"), 0,
           Kind::kSame);
    b.BindClipped(l + "lconv1d.linear_start", at("lconv/linear_start"),
                  Kind::kT, 0, c);
    b.Bind(l + "lconv1d.depthwise_conv1d.weight",
           at("lconv/depthwise_conv/vars"), 0, Kind::kPerm, 0, {1, 2, 0});
    b.Bind(l + "lconv1d.conv_norm.weight", at("lconv/conv_norm/vars"), 0,
           Kind::kSame);
    b.BindClipped(l + "lconv1d.linear_end", at("lconv/linear_end"), Kind::kT, 0,
                  c);
    b.Bind(l + "norm_out.weight", at("norm/vars"), 0, Kind::kSame);
  }
}

}  // namespace

std::map<std::string, KerasBinding> KerasBindings(const ModelConfig& config) {
  Builder b(config);
  BindText(config.text, b);
  if (config.vision) BindVision(*config.vision, b);
  if (config.audio) BindAudio(*config.audio, b);
  return b.Take();
}

}  // namespace gemma::model
