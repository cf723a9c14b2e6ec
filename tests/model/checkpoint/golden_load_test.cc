// Loads every golden checkpoint layout and checks configs and tensors.
#include <cstring>
#include <fstream>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "model/checkpoint/checkpoint.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"

namespace gemma::model {
namespace {

using ::gemma::testing::GoldenPath;

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
