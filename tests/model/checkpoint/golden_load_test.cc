// Loads every golden checkpoint layout and checks configs and tensors.
#include <string>

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

}  // namespace
}  // namespace gemma::model
