// Loads every golden checkpoint layout and checks configs and tensors.
#include <cstring>
#include <fstream>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "model/checkpoint/checkpoint.h"
#include "nlohmann/json.hpp"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"

namespace gemma::model {
namespace {

using ::gemma::testing::GoldenPath;
using Json = nlohmann::json;

constexpr const char* kCases[] = {"e2b_like",   "moe_like",     "dense_like",
                                  "e2b_vision", "dense_vision", "e2b_audio"};
constexpr const char* kLayouts[] = {"keras", "keras_bf16", "keras_bf16_sharded",
                                    "hf", "hf_bf16"};

bool Exists(const std::string& dir) {
  return static_cast<bool>(std::ifstream(dir + "/config.json"));
}

Json ReadJson(const std::string& path) {
  std::ifstream in(path);
  return Json::parse(in);
}

// Checks `c` against expected.json's Keras constructor arguments (absent
// keys take keras-hub's defaults).
void ExpectMatches(const ModelConfig& c, const Json& expected) {
  const Json& kw = expected["backbone_kwargs"];
  const TextConfig& t = c.text;
  EXPECT_EQ(t.vocab_size, kw["vocabulary_size"].get<int>());
  EXPECT_EQ(t.num_layers, kw["num_layers"].get<int>());
  EXPECT_EQ(t.num_query_heads, kw["num_query_heads"].get<int>());
  EXPECT_EQ(t.num_kv_heads, kw["num_key_value_heads"].get<int>());
  EXPECT_EQ(t.hidden_dim, kw["hidden_dim"].get<int>());
  EXPECT_EQ(t.intermediate_dim, kw["intermediate_dim"].get<int>());
  EXPECT_EQ(t.head_dim, kw["head_dim"].get<int>());
  EXPECT_EQ(t.global_head_dim, kw["global_head_dim"].get<int>());
  ASSERT_TRUE(t.final_logit_soft_cap.has_value());
  EXPECT_EQ(*t.final_logit_soft_cap, kw["final_logit_soft_cap"].get<float>());
  EXPECT_FALSE(t.attention_logit_soft_cap.has_value());
  EXPECT_TRUE(t.use_sliding_window);
  EXPECT_EQ(t.sliding_window, kw["sliding_window_size"].get<int>());
  ASSERT_EQ(t.layer_types.size(), kw["layer_types"].size());
  for (size_t i = 0; i < t.layer_types.size(); ++i) {
    EXPECT_EQ(t.layer_types[i] == LayerType::kGlobal,
              kw["layer_types"][i] == "full_attention");
  }
  EXPECT_EQ(t.global_partial_rotary_factor,
            kw["global_rope_partial_rotary_factor"].get<float>());
  EXPECT_EQ(t.local_rope_base, 10000.0f);
  EXPECT_EQ(t.global_rope_base, 1000000.0f);
  EXPECT_EQ(t.local_rope_scaling, 1.0f);
  EXPECT_EQ(t.global_rope_scaling, 1.0f);
  EXPECT_FLOAT_EQ(t.rms_norm_eps, 1e-6f);
  EXPECT_EQ(t.num_kv_shared_layers, kw.value("num_kv_shared_layers", 0));
  EXPECT_EQ(t.per_layer_input_dim, kw.value("hidden_size_per_layer_input", 0));
  if (t.per_layer_input_dim > 0) {
    EXPECT_EQ(t.per_layer_vocab_size, 768);
  }
  EXPECT_EQ(t.use_double_wide_mlp, kw.value("use_double_wide_mlp", false));
  EXPECT_EQ(t.vision_bidirectional_attention,
            kw.value("use_vision_bidirectional_attention", false));
  if (kw.contains("num_global_key_value_heads")) {
    ASSERT_TRUE(t.num_global_kv_heads.has_value());
    EXPECT_EQ(*t.num_global_kv_heads,
              kw["num_global_key_value_heads"].get<int>());
  } else {
    EXPECT_FALSE(t.num_global_kv_heads.has_value());
  }
  EXPECT_EQ(t.enable_moe, kw.value("enable_moe_block", false));
  if (t.enable_moe) {
    EXPECT_EQ(t.num_experts, kw["num_experts"].get<int>());
    EXPECT_EQ(t.expert_intermediate_dim,
              kw["expert_intermediate_dim"].get<int>());
    EXPECT_EQ(t.num_experts_per_token, kw["num_experts_per_token"].get<int>());
  }
  EXPECT_EQ(c.family, t.per_layer_input_dim > 0 ? "e2b"
                      : t.enable_moe            ? "moe"
                                                : "dense");
  if (expected.contains("vision_encoder_kwargs")) {
    const Json& v = expected["vision_encoder_kwargs"];
    ASSERT_TRUE(c.vision.has_value());
    EXPECT_EQ(c.vision->hidden_dim, v["hidden_dim"].get<int>());
    EXPECT_EQ(c.vision->intermediate_dim, v["intermediate_dim"].get<int>());
    EXPECT_EQ(c.vision->num_layers, v["num_layers"].get<int>());
    EXPECT_EQ(c.vision->num_heads, v["num_heads"].get<int>());
    EXPECT_EQ(c.vision->num_kv_heads, v["num_heads"].get<int>());
    EXPECT_EQ(c.vision->head_dim, v["head_dim"].get<int>());
    EXPECT_EQ(c.vision->use_clipped_linears,
              v["use_clipped_linears"].get<bool>());
    EXPECT_EQ(c.vision->standardize, v["standardize"].get<bool>());
    EXPECT_EQ(c.vision->position_embedding_size,
              expected["position_embedding_size"].get<int>());
    EXPECT_EQ(c.vision->default_soft_tokens,
              expected["max_soft_tokens"].get<int>());
    EXPECT_EQ(c.vision->patch_size, 16);
    EXPECT_EQ(c.vision->pooling_kernel, 3);
    EXPECT_EQ(c.vision->rope_base, 100.0f);
  } else {
    EXPECT_FALSE(c.vision.has_value());
  }
  if (expected.contains("audio_encoder_kwargs")) {
    const Json& a = expected["audio_encoder_kwargs"];
    ASSERT_TRUE(c.audio.has_value());
    EXPECT_EQ(c.audio->hidden_dim, a["hidden_size"].get<int>());
    EXPECT_EQ(c.audio->num_heads, a["num_heads"].get<int>());
    EXPECT_EQ(c.audio->num_layers, a["num_layers"].get<int>());
    EXPECT_EQ(c.audio->chunk_size, a["chunk_size"].get<int>());
    EXPECT_EQ(c.audio->context_left, a["context_left"].get<int>());
    EXPECT_EQ(c.audio->context_right, a["context_right"].get<int>());
    EXPECT_EQ(c.audio->logit_cap, a["logit_cap"].get<float>());
    EXPECT_EQ(c.audio->invalid_logit_value,
              a["invalid_logit_value"].get<float>());
    EXPECT_EQ(c.audio->conv_kernel_size, a["conv_kernel_size"].get<int>());
    EXPECT_EQ(c.audio->residual_weight, a["residual_weight"].get<float>());
    EXPECT_EQ(c.audio->gradient_clipping, a["gradient_clipping"].get<float>());
    EXPECT_EQ(c.audio->sscp_channels,
              a["sscp_conv_channels"].get<std::vector<int>>());
    EXPECT_EQ(c.audio->output_proj_dims, a["output_proj_dims"].get<int>());
    EXPECT_TRUE(c.audio->use_clipped_linears);
    EXPECT_EQ(c.audio->input_feat_size, 128);
  } else {
    EXPECT_FALSE(c.audio.has_value());
  }
}

TEST(GoldenLoadTest, ConfigsMatchExpectedJson) {
  int loaded = 0;
  for (const char* c : kCases) {
    const Json expected =
        ReadJson(GoldenPath(std::string(c) + "/expected.json"));
    for (const char* l : kLayouts) {
      const std::string dir = GoldenPath(std::string(c) + "/" + l);
      if (!Exists(dir)) continue;
      SCOPED_TRACE(dir);
      ASSERT_OK_AND_ASSIGN(auto ckpt, LoadCheckpoint(dir));
      ExpectMatches(ckpt->config, expected);
      const bool keras = std::string(l).rfind("keras", 0) == 0;
      const bool bf16 = std::string(l).find("bf16") != std::string::npos;
      EXPECT_EQ(ckpt->config.layout, keras ? CheckpointLayout::kKeras
                                           : CheckpointLayout::kHuggingFace);
      EXPECT_EQ(ckpt->config.weights_dtype, bf16 ? DType::kBF16 : DType::kF32);
      // final_logit_cap is null in every fixture's task.json; HF has none.
      EXPECT_FALSE(ckpt->config.task_final_logit_cap.has_value());
      if (keras) {
        const int seq =
            ReadJson(dir + "/preprocessor.json")["config"]["sequence_length"]
                .get<int>();
        EXPECT_EQ(ckpt->config.default_max_length, seq);
        EXPECT_EQ(ckpt->tokenizer.spm_model,
                  dir + "/assets/tokenizer/vocabulary.spm");
        EXPECT_EQ(ckpt->tokenizer.hf_tokenizer_json, "");
      } else {
        EXPECT_EQ(ckpt->config.default_max_length, 1024);
        EXPECT_EQ(ckpt->tokenizer.spm_model, dir + "/tokenizer.model");
        EXPECT_EQ(ckpt->tokenizer.hf_tokenizer_json, dir + "/tokenizer.json");
      }
      ++loaded;
    }
  }
  EXPECT_EQ(loaded, 6 * 3 + 2 * 2);
}

TEST(GoldenLoadTest, SkipsTowersWhenAsked) {
  LoadOptions text_only;
  text_only.load_vision = false;
  text_only.load_audio = false;
  for (const char* dir :
       {"e2b_vision/keras", "e2b_vision/hf", "e2b_audio/keras",
        "e2b_audio/hf_bf16", "dense_vision/hf"}) {
    SCOPED_TRACE(dir);
    ASSERT_OK_AND_ASSIGN(auto ckpt, LoadCheckpoint(GoldenPath(dir), text_only));
    EXPECT_FALSE(ckpt->config.vision.has_value());
    EXPECT_FALSE(ckpt->config.audio.has_value());
    for (const std::string& name : ckpt->weights.Names()) {
      EXPECT_EQ(name.rfind("model.language_model.", 0), 0u) << name;
    }
  }
}

TEST(GoldenLoadTest, CanonicalShapesOfE2bLike) {
  ASSERT_OK_AND_ASSIGN(auto ckpt,
                       LoadCheckpoint(GoldenPath("e2b_like/keras_bf16")));
  const WeightStore& w = ckpt->weights;
  const std::string p = "model.language_model.";
  EXPECT_OK(w.Get(p + "layers.2.self_attn.q_proj.weight", {4 * 32, 48}));
  EXPECT_OK(w.Get(p + "layers.2.self_attn.o_proj.weight", {48, 4 * 32}));
  EXPECT_OK(w.Get(p + "layers.0.self_attn.k_proj.weight", {16, 48}));
  EXPECT_OK(w.Get(p + "layers.4.mlp.gate_proj.weight", {128, 48}));
  EXPECT_OK(w.Get(p + "layers.0.layer_scalar", {1}));
  EXPECT_OK(w.Get(p + "embed_tokens_per_layer.weight", {768, 48}));
  EXPECT_OK(w.Get(p + "per_layer_model_projection.weight", {48, 48}));
  EXPECT_FALSE(w.Has(p + "layers.4.self_attn.k_proj.weight"));  // KV-shared
  ASSERT_OK_AND_ASSIGN(auto moe, LoadCheckpoint(GoldenPath("moe_like/keras")));
  EXPECT_OK(moe->weights.Get(p + "layers.0.experts.gate_up_proj", {4, 32, 48}));
  EXPECT_OK(moe->weights.Get(p + "layers.0.experts.down_proj", {4, 48, 16}));
  EXPECT_OK(moe->weights.Get(p + "layers.0.router.proj.weight", {4, 48}));
  EXPECT_FALSE(moe->weights.Has(p + "layers.2.self_attn.v_proj.weight"));
}

TEST(GoldenLoadTest, LoadsE2bLikeHf) {
  ASSERT_OK_AND_ASSIGN(auto ckpt, LoadCheckpoint(GoldenPath("e2b_like/hf")));
  EXPECT_EQ(ckpt->config.text.num_layers, 6);
  EXPECT_EQ(ckpt->config.text.per_layer_input_dim, 8);
  EXPECT_EQ(ckpt->config.weights_dtype, DType::kF32);
}

TEST(GoldenLoadTest, LoadsEveryHfFolder) {
  for (const char* c : {"e2b_like", "moe_like", "dense_like", "e2b_vision",
                        "dense_vision", "e2b_audio"}) {
    for (const char* l : {"hf", "hf_bf16"}) {
      SCOPED_TRACE(std::string(c) + "/" + l);
      auto ckpt = LoadCheckpoint(GoldenPath(std::string(c) + "/" + l));
      EXPECT_OK(ckpt);
    }
  }
}

TEST(GoldenLoadTest, KerasAndHfAreBitIdentical) {
  for (const char* c : {"e2b_like", "moe_like", "dense_like", "e2b_vision",
                        "dense_vision", "e2b_audio"}) {
    for (auto [k, h] : {std::pair<const char*, const char*>{"keras", "hf"},
                        {"keras_bf16", "hf_bf16"},
                        {"keras_bf16_sharded", "hf_bf16"}}) {
      const std::string kdir = GoldenPath(std::string(c) + "/" + k);
      if (std::string(k) != "keras" && !std::ifstream(kdir + "/config.json")) {
        continue;
      }
      SCOPED_TRACE(kdir);
      ASSERT_OK_AND_ASSIGN(auto keras, LoadCheckpoint(kdir));
      ASSERT_OK_AND_ASSIGN(
          auto hf, LoadCheckpoint(GoldenPath(std::string(c) + "/" + h)));
      ASSERT_EQ(keras->weights.Names(), hf->weights.Names());
      for (const std::string& name : hf->weights.Names()) {
        TensorView a = *keras->weights.Get(name);
        TensorView b = *hf->weights.Get(name);
        ASSERT_EQ(a.shape, b.shape) << name;
        ASSERT_EQ(a.dtype, b.dtype) << name;
        ASSERT_EQ(0, std::memcmp(a.data, b.data, a.nbytes())) << name;
      }
    }
  }
}

}  // namespace
}  // namespace gemma::model
