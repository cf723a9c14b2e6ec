#include "model/decoder/gemma4_model.h"

#include <cmath>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/bfloat16.h"
#include "base/status_macros.h"
#include "model/decoder/layer.h"
#include "model/ops/activations.h"
#include "model/ops/rms_norm.h"

namespace gemma::model {
namespace {

constexpr char kPrefix[] = "model.language_model.";

std::string Name(absl::string_view suffix) {
  return absl::StrCat(kPrefix, suffix);
}

std::vector<float> ToFloats(const TensorView& t) {
  std::vector<float> v(t.num_elements());
  if (t.dtype == DType::kBF16) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = Bf16ToFloat(t.bf16()[i]);
  } else {
    std::memcpy(v.data(), t.data, v.size() * sizeof(float));
  }
  return v;
}

}  // namespace

// Loads small tensors (norm scales) and packs matmul weights, checking
// names and shapes against the config.
class WeightLoader {
 public:
  WeightLoader(const dnnl::engine& engine, WeightStore& store,
               ops::WeightFormat format, bool release)
      : engine_(engine), store_(store), format_(format), release_(release) {}

  absl::StatusOr<TensorView> Get(absl::string_view suffix,
                                 const std::vector<int64_t>& shape) {
    return store_.Get(Name(suffix), shape);
  }

  absl::StatusOr<std::vector<float>> Floats(absl::string_view suffix,
                                            const std::vector<int64_t>& shape) {
    GEMMA_ASSIGN_OR_RETURN(TensorView t, Get(suffix, shape));
    if (t.dtype != DType::kF32 && t.dtype != DType::kBF16) {
      return absl::InvalidArgumentError(
          absl::StrCat(store_.SourceOf(Name(suffix)), ": tensor ", Name(suffix),
                       " must be float32 or bfloat16"));
    }
    return ToFloats(t);
  }

  // Packs the row-wise concatenation of `parts` (views may be slices).
  absl::StatusOr<std::unique_ptr<ops::PackedWeight>> Pack(
      const std::vector<TensorView>& parts, const std::string& name,
      ops::Epilogue epilogue, std::optional<ops::WeightFormat> format = {}) {
    return ops::PackedWeight::Create(engine_, parts, format.value_or(format_),
                                     epilogue, name);
  }

  absl::StatusOr<std::unique_ptr<ops::PackedWeight>> PackNamed(
      const std::vector<std::pair<std::string, std::vector<int64_t>>>& named,
      ops::Epilogue epilogue, std::optional<ops::WeightFormat> format = {}) {
    std::vector<TensorView> parts;
    for (const auto& [suffix, shape] : named) {
      GEMMA_ASSIGN_OR_RETURN(TensorView t, Get(suffix, shape));
      parts.push_back(t);
    }
    GEMMA_ASSIGN_OR_RETURN(auto packed,
                           Pack(parts, Name(named[0].first), epilogue, format));
    if (release_) {
      for (const auto& [suffix, shape] : named) store_.Release(Name(suffix));
    }
    return packed;
  }

  void Release(absl::string_view suffix) {
    if (release_) store_.Release(Name(suffix));
  }

 private:
  const dnnl::engine& engine_;
  WeightStore& store_;
  ops::WeightFormat format_;
  bool release_;
};

Gemma4Model::~Gemma4Model() = default;

absl::StatusOr<std::unique_ptr<Gemma4Model>> Gemma4Model::Create(
    const ModelConfig& config, WeightStore& weights,
    const ModelOptions& options) {
  const TextConfig& c = config.text;
  GEMMA_RETURN_IF_ERROR(c.Validate());
  std::unique_ptr<Gemma4Model> m(new Gemma4Model());
  m->config_ = config;
  if (options.num_threads < 0) {
    return absl::InvalidArgumentError("num_threads must be >= 0");
  }
  m->num_threads_ = options.num_threads;
  m->engine_ = dnnl::engine(dnnl::engine::kind::cpu, 0);
  const int64_t V = c.vocab_size, H = c.hidden_dim, L = c.num_layers;
  GEMMA_ASSIGN_OR_RETURN(m->embed_,
                         weights.Get(Name("embed_tokens.weight"), {V, H}));
  if (m->embed_.dtype != DType::kF32 && m->embed_.dtype != DType::kBF16) {
    return absl::InvalidArgumentError(
        absl::StrCat(weights.SourceOf(Name("embed_tokens.weight")),
                     ": the token embedding must be float32 or bfloat16"));
  }
  switch (options.compute) {
    case ModelOptions::Compute::kF32:
      m->format_ = ops::WeightFormat::kF32;
      break;
    case ModelOptions::Compute::kBF16:
      m->format_ = ops::WeightFormat::kBF16;
      break;
    case ModelOptions::Compute::kAuto:
      m->format_ = m->embed_.dtype == DType::kBF16 ? ops::WeightFormat::kBF16
                                                   : ops::WeightFormat::kF32;
      break;
  }
  WeightLoader loader(m->engine_, weights, m->format_,
                      options.release_packed_weights);
  // Tied LM head: the embedding packed as [V, H], with the final soft cap.
  const ops::Epilogue head_epilogue =
      c.final_logit_soft_cap.has_value()
          ? ops::Epilogue::SoftCap(*c.final_logit_soft_cap)
          : ops::Epilogue::None();
  GEMMA_ASSIGN_OR_RETURN(
      m->lm_head_,
      loader.Pack({m->embed_}, Name("embed_tokens.weight"), head_epilogue));
  GEMMA_ASSIGN_OR_RETURN(m->final_norm_, loader.Floats("norm.weight", {H}));
  if (c.per_layer_input_dim > 0) {
    const int64_t P = c.per_layer_input_dim;
    GEMMA_ASSIGN_OR_RETURN(m->ple_table_,
                           loader.Get("embed_tokens_per_layer.weight",
                                      {c.per_layer_vocab_size, L * P}));
    GEMMA_ASSIGN_OR_RETURN(
        m->ple_projection_,
        loader.PackNamed({{"per_layer_model_projection.weight", {L * P, H}}},
                         ops::Epilogue::None()));
    GEMMA_ASSIGN_OR_RETURN(
        m->ple_norm_, loader.Floats("per_layer_projection_norm.weight", {P}));
  }
  for (int i = 0; i < c.num_layers; ++i) {
    GEMMA_RETURN_IF_ERROR(m->LoadLayer(i, weights, loader));
  }
  return m;
}

absl::Status Gemma4Model::LoadLayer(int i, WeightStore& weights,
                                    WeightLoader& loader) {
  const TextConfig& c = config_.text;
  auto layer = std::make_unique<Layer>();
  Layer& y = *layer;
  y.spec = c.Layer(i);
  const LayerSpec& s = y.spec;
  const int64_t H = c.hidden_dim, d = s.head_dim;
  y.owns_kv = s.kv_source == i;
  y.q_width = c.num_query_heads * s.head_dim;
  y.kv_width = s.num_kv_heads * s.head_dim;
  const std::string p = absl::StrCat("layers.", i, ".");
  auto n = [&](absl::string_view suffix) { return absl::StrCat(p, suffix); };

  std::vector<std::pair<std::string, std::vector<int64_t>>> qkv = {
      {n("self_attn.q_proj.weight"), {y.q_width, H}}};
  if (y.owns_kv) {
    qkv.push_back({n("self_attn.k_proj.weight"), {y.kv_width, H}});
    if (!s.k_eq_v) {
      qkv.push_back({n("self_attn.v_proj.weight"), {y.kv_width, H}});
    }
    GEMMA_ASSIGN_OR_RETURN(y.k_norm,
                           loader.Floats(n("self_attn.k_norm.weight"), {d}));
  }
  GEMMA_ASSIGN_OR_RETURN(y.qkv, loader.PackNamed(qkv, ops::Epilogue::None()));
  GEMMA_ASSIGN_OR_RETURN(
      y.o, loader.PackNamed({{n("self_attn.o_proj.weight"), {H, y.q_width}}},
                            ops::Epilogue::None()));
  GEMMA_ASSIGN_OR_RETURN(y.q_norm,
                         loader.Floats(n("self_attn.q_norm.weight"), {d}));
  GEMMA_ASSIGN_OR_RETURN(y.input_norm,
                         loader.Floats(n("input_layernorm.weight"), {H}));
  GEMMA_ASSIGN_OR_RETURN(
      y.post_attn_norm,
      loader.Floats(n("post_attention_layernorm.weight"), {H}));
  GEMMA_ASSIGN_OR_RETURN(
      y.pre_ffw_norm,
      loader.Floats(n("pre_feedforward_layernorm.weight"), {H}));
  GEMMA_ASSIGN_OR_RETURN(
      y.post_ffw_norm,
      loader.Floats(n("post_feedforward_layernorm.weight"), {H}));
  const int64_t I = s.mlp_dim;
  GEMMA_ASSIGN_OR_RETURN(y.gate,
                         loader.PackNamed({{n("mlp.gate_proj.weight"), {I, H}}},
                                          ops::Epilogue::GeluTanh()));
  GEMMA_ASSIGN_OR_RETURN(y.up,
                         loader.PackNamed({{n("mlp.up_proj.weight"), {I, H}}},
                                          ops::Epilogue::Multiply()));
  GEMMA_ASSIGN_OR_RETURN(y.down,
                         loader.PackNamed({{n("mlp.down_proj.weight"), {H, I}}},
                                          ops::Epilogue::None()));
  {
    GEMMA_ASSIGN_OR_RETURN(TensorView t, weights.Get(Name(n("layer_scalar"))));
    if (t.num_elements() != 1 ||
        (t.dtype != DType::kF32 && t.dtype != DType::kBF16)) {
      return absl::InvalidArgumentError(
          absl::StrCat(weights.SourceOf(Name(n("layer_scalar"))), ": tensor ",
                       Name(n("layer_scalar")), " must be one float, got ",
                       t.ShapeString()));
    }
    y.layer_scalar = ToFloats(t)[0];
  }
  if (c.enable_moe) {
    const int64_t E = c.num_experts, Ie = c.expert_intermediate_dim;
    // The router stays float32: routing decisions are discontinuous.
    GEMMA_ASSIGN_OR_RETURN(
        y.router,
        loader.PackNamed({{n("router.proj.weight"), {E, H}}},
                         ops::Epilogue::None(), ops::WeightFormat::kF32));
    GEMMA_ASSIGN_OR_RETURN(y.router_scale,
                           loader.Floats(n("router.scale"), {H}));
    GEMMA_ASSIGN_OR_RETURN(y.per_expert_scale,
                           loader.Floats(n("router.per_expert_scale"), {E}));
    GEMMA_ASSIGN_OR_RETURN(
        y.post_ffw_norm_1,
        loader.Floats(n("post_feedforward_layernorm_1.weight"), {H}));
    GEMMA_ASSIGN_OR_RETURN(
        y.pre_ffw_norm_2,
        loader.Floats(n("pre_feedforward_layernorm_2.weight"), {H}));
    GEMMA_ASSIGN_OR_RETURN(
        y.post_ffw_norm_2,
        loader.Floats(n("post_feedforward_layernorm_2.weight"), {H}));
    GEMMA_ASSIGN_OR_RETURN(
        TensorView gu, loader.Get(n("experts.gate_up_proj"), {E, 2 * Ie, H}));
    GEMMA_ASSIGN_OR_RETURN(TensorView dn,
                           loader.Get(n("experts.down_proj"), {E, H, Ie}));
    const size_t es = DTypeSize(gu.dtype);
    for (int64_t e = 0; e < E; ++e) {
      auto slice = [&](const TensorView& t, int64_t offset_rows, int64_t rows,
                       int64_t cols, int64_t per_expert_rows) {
        TensorView v;
        v.dtype = t.dtype;
        v.shape = {rows, cols};
        v.data = static_cast<const uint8_t*>(t.data) +
                 ((e * per_expert_rows + offset_rows) * cols) * es;
        return v;
      };
      const std::string en = Name(absl::StrCat(n("experts."), e));
      GEMMA_ASSIGN_OR_RETURN(
          auto g, loader.Pack({slice(gu, 0, Ie, H, 2 * Ie)}, en + ".gate",
                              ops::Epilogue::GeluTanh()));
      GEMMA_ASSIGN_OR_RETURN(
          auto u, loader.Pack({slice(gu, Ie, Ie, H, 2 * Ie)}, en + ".up",
                              ops::Epilogue::Multiply()));
      GEMMA_ASSIGN_OR_RETURN(auto dw,
                             loader.Pack({slice(dn, 0, H, Ie, H)}, en + ".down",
                                         ops::Epilogue::None()));
      y.expert_gate.push_back(std::move(g));
      y.expert_up.push_back(std::move(u));
      y.expert_down.push_back(std::move(dw));
    }
    loader.Release(n("experts.gate_up_proj"));
    loader.Release(n("experts.down_proj"));
  }
  if (c.per_layer_input_dim > 0) {
    const int64_t P = c.per_layer_input_dim;
    GEMMA_ASSIGN_OR_RETURN(
        y.ple_gate,
        loader.PackNamed({{n("per_layer_input_gate.weight"), {P, H}}},
                         ops::Epilogue::GeluTanh()));
    GEMMA_ASSIGN_OR_RETURN(
        y.ple_proj,
        loader.PackNamed({{n("per_layer_projection.weight"), {H, P}}},
                         ops::Epilogue::None()));
    GEMMA_ASSIGN_OR_RETURN(
        y.ple_post_norm,
        loader.Floats(n("post_per_layer_input_norm.weight"), {H}));
  }
  layers_.push_back(std::move(layer));
  return absl::OkStatus();
}

size_t Gemma4Model::packed_bytes() const {
  size_t b = lm_head_->bytes();
  if (ple_projection_) b += ple_projection_->bytes();
  for (const auto& l : layers_) {
    for (const auto* w : {&l->qkv, &l->o, &l->gate, &l->up, &l->down,
                          &l->router, &l->ple_gate, &l->ple_proj}) {
      if (*w) b += (*w)->bytes();
    }
    for (const auto* v : {&l->expert_gate, &l->expert_up, &l->expert_down}) {
      for (const auto& w : *v) b += w->bytes();
    }
  }
  return b;
}

std::unique_ptr<ForwardState> Gemma4Model::NewState() const {
  return std::make_unique<ForwardState>(engine_);
}

}  // namespace gemma::model
