// Named configs, parameter counts, random checkpoints and the writer.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "base/bfloat16.h"
#include "gtest/gtest.h"
#include "model/checkpoint/checkpoint.h"
#include "model/checkpoint/config_io.h"
#include "model/checkpoint/tensor_spec.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"

namespace gemma::model {
namespace {

using ::gemma::testing::GoldenPath;
using json_util::Json;

// A fresh directory, removed when the test ends.
class ScopedTempDir {
 public:
  ScopedTempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "ckpt_test_XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~ScopedTempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(NamedConfigTest, E2bMatchesSpec) {
  ASSERT_OK_AND_ASSIGN(ModelConfig c, NamedConfig("e2b"));
  const TextConfig& t = c.text;
  EXPECT_EQ(t.vocab_size, 262144);
  EXPECT_EQ(t.num_layers, 35);
  EXPECT_EQ(t.hidden_dim, 1536);
  EXPECT_EQ(t.intermediate_dim, 6144);
  EXPECT_EQ(t.num_query_heads, 8);
  EXPECT_EQ(t.num_kv_heads, 1);
  EXPECT_FALSE(t.num_global_kv_heads.has_value());
  EXPECT_EQ(t.head_dim, 256);
  EXPECT_EQ(t.global_head_dim, 512);
  for (int i = 0; i < 35; ++i) {
    EXPECT_EQ(t.layer_types[i] == LayerType::kGlobal, i % 5 == 4) << i;
  }
  EXPECT_EQ(t.sliding_window, 512);
  EXPECT_EQ(t.global_partial_rotary_factor, 0.25f);
  EXPECT_EQ(t.per_layer_input_dim, 256);
  EXPECT_EQ(t.per_layer_vocab_size, 262144);
  EXPECT_EQ(t.num_kv_shared_layers, 20);
  EXPECT_TRUE(t.use_double_wide_mlp);
  EXPECT_FALSE(t.enable_moe);
  EXPECT_EQ(*t.final_logit_soft_cap, 30.0f);
  EXPECT_EQ(t.Layer(15).kv_source, 13);
  EXPECT_EQ(t.Layer(19).kv_source, 14);
  EXPECT_EQ(t.Layer(15).mlp_dim, 12288);
  EXPECT_EQ(t.Layer(14).mlp_dim, 6144);
  ASSERT_TRUE(c.vision.has_value());
  EXPECT_EQ(c.vision->hidden_dim, 768);
  EXPECT_EQ(c.vision->num_layers, 16);
  EXPECT_TRUE(c.vision->use_clipped_linears);
  ASSERT_TRUE(c.audio.has_value());
  EXPECT_EQ(c.audio->hidden_dim, 1024);
  EXPECT_EQ(c.audio->output_proj_dims, 1536);
  EXPECT_EQ(c.family, "e2b");
  EXPECT_EQ(c.weights_dtype, DType::kBF16);
  EXPECT_OK(t.Validate());
}

TEST(NamedConfigTest, TextParameterCountsMatchSpec) {
  const std::pair<const char*, int64_t> expected[] = {{"e2b", 4628569379LL},
                                                      {"e4b", 7463013418LL},
                                                      {"moe", 25233141790LL},
                                                      {"dense", 30697345340LL}};
  for (const auto& [name, count] : expected) {
    ASSERT_OK_AND_ASSIGN(ModelConfig c, NamedConfig(name));
    EXPECT_OK(c.text.Validate());
    EXPECT_EQ(TextParameterCount(c), count) << name;
  }
}

TEST(NamedConfigTest, OtherModels) {
  ASSERT_OK_AND_ASSIGN(ModelConfig e4b, NamedConfig("e4b"));
  EXPECT_EQ(e4b.family, "e4b");
  EXPECT_EQ(e4b.text.Layer(24).kv_source, 22);
  EXPECT_EQ(e4b.text.Layer(29).kv_source, 23);
  ASSERT_OK_AND_ASSIGN(ModelConfig moe, NamedConfig("moe"));
  EXPECT_EQ(moe.family, "moe");
  EXPECT_EQ(moe.text.num_experts, 128);
  EXPECT_EQ(moe.text.expert_intermediate_dim, 704);
  EXPECT_EQ(*moe.text.num_global_kv_heads, 2);
  EXPECT_FALSE(moe.audio.has_value());
  EXPECT_TRUE(moe.vision->standardize);
  ASSERT_OK_AND_ASSIGN(ModelConfig dense, NamedConfig("dense"));
  EXPECT_EQ(dense.family, "dense");
  EXPECT_EQ(dense.vision->num_layers, 27);
  EXPECT_EQ(dense.vision->head_dim, 72);
  EXPECT_THAT(NamedConfig("e9b"),
              ::gemma::testing::StatusIs(absl::StatusCode::kNotFound, "e9b"));
}

// Random tiny checkpoint (text + vision + audio) -> each layout and dtype ->
// LoadCheckpoint: same config and the same tensors (exact for f32, and
// bf16-rounded when written as bf16).
TEST(RoundTripTest, WriteThenLoadBothLayoutsBothDtypes) {
  ASSERT_OK_AND_ASSIGN(ModelConfig config, NamedConfig("tiny"));
  ASSERT_OK_AND_ASSIGN(auto ckpt, MakeRandomCheckpoint(config, 7));
  ASSERT_OK(ValidateWeights(ckpt->config, ckpt->weights));
  const std::string spm =
      GoldenPath("e2b_like/keras/assets/tokenizer/vocabulary.spm");
  for (CheckpointLayout layout :
       {CheckpointLayout::kKeras, CheckpointLayout::kHuggingFace}) {
    for (DType dtype : {DType::kF32, DType::kBF16}) {
      ScopedTempDir tmp;
      const std::string dir = tmp.path();
      SCOPED_TRACE(dir);
      ASSERT_OK(WriteCheckpoint(*ckpt, dir, layout, dtype, spm));
      ASSERT_OK_AND_ASSIGN(auto back, LoadCheckpoint(dir));
      EXPECT_EQ(back->config.layout, layout);
      EXPECT_EQ(back->config.weights_dtype, dtype);
      EXPECT_EQ(back->config.family, "e2b");
      EXPECT_EQ(back->config.text.layer_types, config.text.layer_types);
      EXPECT_EQ(back->config.text.num_kv_shared_layers, 2);
      EXPECT_EQ(back->config.text.global_partial_rotary_factor, 0.25f);
      ASSERT_TRUE(back->config.vision.has_value());
      EXPECT_EQ(back->config.vision->default_soft_tokens, 70);
      ASSERT_TRUE(back->config.audio.has_value());
      EXPECT_EQ(back->config.audio->sscp_channels, config.audio->sscp_channels);
      EXPECT_FALSE(back->tokenizer.spm_model.empty());
      ASSERT_EQ(back->weights.Names(), ckpt->weights.Names());
      for (const std::string& name : ckpt->weights.Names()) {
        TensorView a = *ckpt->weights.Get(name);
        TensorView b = *back->weights.Get(name);
        ASSERT_EQ(a.shape, b.shape) << name;
        ASSERT_EQ(b.dtype, dtype) << name;
        for (int64_t i = 0; i < a.num_elements(); ++i) {
          const float want = dtype == DType::kF32
                                 ? a.f32()[i]
                                 : Bf16ToFloat(FloatToBf16(a.f32()[i]));
          const float got =
              dtype == DType::kF32 ? b.f32()[i] : Bf16ToFloat(b.bf16()[i]);
          ASSERT_EQ(want, got) << name << "[" << i << "]";
        }
      }
    }
  }
}

// Writing a config and reading it back loses nothing, in either layout:
// every tower field is set away from both layouts' defaults, the parsed
// config keeps each of them, and writing the parsed config again gives the
// same files (so no field the writers emit is dropped by the readers).
TEST(RoundTripTest, ConfigFilesReadBackToTheSameConfig) {
  ASSERT_OK_AND_ASSIGN(ModelConfig config, NamedConfig("tiny"));
  VisionConfig& v = *config.vision;
  v.num_kv_heads = 1;
  v.rms_norm_eps = 3e-5f;
  v.rope_base = 321.0f;
  v.pooling_kernel = 2;
  v.position_embedding_size = 77;
  v.use_clipped_linears = !v.use_clipped_linears;
  v.standardize = !v.standardize;
  AudioConfig& a = *config.audio;
  a.sscp_channels = {6, 10};
  a.conv_kernel_size = 3;
  a.residual_weight = 0.25f;
  a.chunk_size = 7;
  a.context_left = 5;
  a.context_right = 2;
  a.logit_cap = 33.0f;
  a.invalid_logit_value = -7.0f;
  a.rms_norm_eps = 2e-5f;
  a.gradient_clipping = 9.0f;
  a.input_feat_size = 64;
  for (const char* name : {"e2b", "moe", "dense"}) {
    ASSERT_OK_AND_ASSIGN(ModelConfig other, NamedConfig(name));
    SCOPED_TRACE(name);
    for (const ModelConfig* c : {&config, &other}) {
      const Json hf = HfConfigJson(*c, DType::kBF16);
      ASSERT_OK_AND_ASSIGN(ModelConfig from_hf, ParseHfConfig(hf, "hf"));
      EXPECT_EQ(HfConfigJson(from_hf, DType::kBF16), hf);
      const KerasPresetJson keras = KerasPresetFiles(*c, DType::kBF16, 1);
      ASSERT_OK_AND_ASSIGN(
          ModelConfig from_keras,
          ParseKerasConfig(keras.config, keras.task, keras.preprocessor, "k"));
      const KerasPresetJson again =
          KerasPresetFiles(from_keras, DType::kBF16, 1);
      EXPECT_EQ(again.config, keras.config);
      EXPECT_EQ(again.task, keras.task);
      EXPECT_EQ(again.preprocessor, keras.preprocessor);
      if (c != &config) continue;
      for (const ModelConfig* back : {&from_hf, &from_keras}) {
        ASSERT_TRUE(back->vision.has_value() && back->audio.has_value());
        EXPECT_EQ(back->vision->num_kv_heads, 1);
        EXPECT_EQ(back->vision->rms_norm_eps, 3e-5f);
        EXPECT_EQ(back->vision->rope_base, 321.0f);
        EXPECT_EQ(back->vision->pooling_kernel, 2);
        EXPECT_EQ(back->vision->position_embedding_size, 77);
        EXPECT_EQ(back->vision->use_clipped_linears, v.use_clipped_linears);
        EXPECT_EQ(back->vision->standardize, v.standardize);
        EXPECT_EQ(back->audio->sscp_channels, std::vector<int>({6, 10}));
        EXPECT_EQ(back->audio->conv_kernel_size, 3);
        EXPECT_EQ(back->audio->residual_weight, 0.25f);
        EXPECT_EQ(back->audio->chunk_size, 7);
        EXPECT_EQ(back->audio->context_left, 5);
        EXPECT_EQ(back->audio->context_right, 2);
        EXPECT_EQ(back->audio->logit_cap, 33.0f);
        EXPECT_EQ(back->audio->invalid_logit_value, -7.0f);
        EXPECT_EQ(back->audio->rms_norm_eps, 2e-5f);
        EXPECT_EQ(back->audio->gradient_clipping, 9.0f);
        EXPECT_EQ(back->audio->input_feat_size, 64);
        EXPECT_EQ(back->text.num_kv_shared_layers,
                  config.text.num_kv_shared_layers);
        EXPECT_EQ(back->text.layer_types, config.text.layer_types);
      }
    }
  }
}

// The golden fixtures' initialisation scheme: embeddings N(0, 0.2), kernels
// N(0, 0.15), q/k norms U(0.3, 0.8), other scales U(0.5, 1.5), clip bounds
// -U(1, 3) / U(1, 3).
TEST(RandomCheckpointTest, DistributionsFollowTheGoldenScheme) {
  ASSERT_OK_AND_ASSIGN(ModelConfig config, NamedConfig("tiny"));
  ASSERT_OK_AND_ASSIGN(auto ckpt, MakeRandomCheckpoint(config, 3));
  auto stats = [&](const std::string& name, double* mean, double* sd, float* lo,
                   float* hi) {
    TensorView v = *ckpt->weights.Get(name);
    double s = 0, s2 = 0;
    *lo = 1e30f;
    *hi = -1e30f;
    for (int64_t i = 0; i < v.num_elements(); ++i) {
      s += v.f32()[i];
      s2 += double(v.f32()[i]) * v.f32()[i];
      *lo = std::min(*lo, v.f32()[i]);
      *hi = std::max(*hi, v.f32()[i]);
    }
    const double n = static_cast<double>(v.num_elements());
    *mean = s / n;
    *sd = std::sqrt(s2 / n - *mean * *mean);
  };
  double mean, sd;
  float lo, hi;
  const std::string p = "model.language_model.";
  stats(p + "embed_tokens.weight", &mean, &sd, &lo, &hi);  // 36864 values
  EXPECT_NEAR(mean, 0.0, 0.005);
  EXPECT_NEAR(sd, 0.2, 0.005);
  stats(p + "layers.0.mlp.gate_proj.weight", &mean, &sd, &lo, &hi);
  EXPECT_NEAR(mean, 0.0, 0.01);
  EXPECT_NEAR(sd, 0.15, 0.01);
  stats(p + "layers.0.self_attn.q_norm.weight", &mean, &sd, &lo, &hi);
  EXPECT_GE(lo, 0.3f);
  EXPECT_LE(hi, 0.8f);
  stats(p + "layers.1.input_layernorm.weight", &mean, &sd, &lo, &hi);
  EXPECT_GE(lo, 0.5f);
  EXPECT_LE(hi, 1.5f);
  stats("model.vision_tower.encoder.layers.0.self_attn.q_proj.input_min", &mean,
        &sd, &lo, &hi);
  EXPECT_GE(lo, -3.0f);
  EXPECT_LE(hi, -1.0f);
}

TEST(RoundTripTest, BF16RandomCheckpointAndGoldenRewrite) {
  ASSERT_OK_AND_ASSIGN(ModelConfig config, NamedConfig("tiny"));
  config.weights_dtype = DType::kBF16;
  config.vision.reset();
  ASSERT_OK_AND_ASSIGN(auto a, MakeRandomCheckpoint(config, 1));
  ASSERT_OK_AND_ASSIGN(auto b, MakeRandomCheckpoint(config, 1));
  ASSERT_OK_AND_ASSIGN(auto c, MakeRandomCheckpoint(config, 2));
  const std::string name = "model.language_model.embed_tokens.weight";
  TensorView va = *a->weights.Get(name), vb = *b->weights.Get(name),
             vc = *c->weights.Get(name);
  EXPECT_EQ(va.dtype, DType::kBF16);
  EXPECT_EQ(0, std::memcmp(va.data, vb.data, va.nbytes()));  // seeded
  EXPECT_NE(0, std::memcmp(va.data, vc.data, va.nbytes()));
  // A golden MoE model written back out in the other layout loads to the
  // same tensors.
  ASSERT_OK_AND_ASSIGN(auto moe, LoadCheckpoint(GoldenPath("moe_like/hf")));
  ScopedTempDir tmp;
  const std::string dir = tmp.path();
  ASSERT_OK(
      WriteCheckpoint(*moe, dir, CheckpointLayout::kKeras, DType::kF32, ""));
  ASSERT_OK_AND_ASSIGN(auto back, LoadCheckpoint(dir));
  ASSERT_EQ(back->weights.Names(), moe->weights.Names());
  for (const std::string& n : moe->weights.Names()) {
    TensorView x = *moe->weights.Get(n), y = *back->weights.Get(n);
    ASSERT_EQ(0, std::memcmp(x.data, y.data, x.nbytes())) << n;
  }
  EXPECT_TRUE(back->config.text.enable_moe);
  EXPECT_EQ(back->tokenizer.spm_model, "");
}

}  // namespace
}  // namespace gemma::model
