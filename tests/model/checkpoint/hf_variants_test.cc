// Hugging Face variants the goldens do not cover directly: sharded
// safetensors, text-only exports with other prefixes, the per_layer_config
// form, HF defaults; plus zero-copy loading.
#include <hdf5.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "model/checkpoint/checkpoint.h"
#include "model/checkpoint/config_io.h"
#include "model/checkpoint/safetensors.h"
#include "nlohmann/json.hpp"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"

namespace gemma::model {
namespace {

namespace fs = std::filesystem;
using ::gemma::testing::GoldenPath;
using Json = nlohmann::json;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "hf_var_XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  std::string path(const std::string& f) const { return path_ + "/" + f; }
  const std::string& dir() const { return path_; }

 private:
  std::string path_;
};

Json ReadJson(const std::string& path) {
  std::ifstream in(path);
  return Json::parse(in);
}

void WriteJson(const std::string& path, const Json& j) {
  std::ofstream(path) << j.dump(1);
}

void ExpectSameTensors(const Checkpoint& a, const Checkpoint& b) {
  ASSERT_EQ(a.weights.Names(), b.weights.Names());
  for (const std::string& n : a.weights.Names()) {
    TensorView x = *a.weights.Get(n), y = *b.weights.Get(n);
    ASSERT_EQ(x.shape, y.shape) << n;
    ASSERT_EQ(0, std::memcmp(x.data, y.data, x.nbytes())) << n;
  }
}

TEST(HfVariantsTest, ShardedSafetensors) {
  const std::string golden = GoldenPath("moe_like/hf_bf16");
  ASSERT_OK_AND_ASSIGN(auto tensors,
                       ReadSafetensorsFile(golden + "/model.safetensors"));
  TempDir tmp;
  std::vector<RawTensor> parts[2];
  Json index = {{"metadata", {{"total_size", 0}}},
                {"weight_map", Json::object()}};
  for (size_t i = 0; i < tensors.size(); ++i) {
    const int shard = i < tensors.size() / 2 ? 0 : 1;
    const std::string file = shard == 0 ? "model-00001-of-00002.safetensors"
                                        : "model-00002-of-00002.safetensors";
    index["weight_map"][tensors[i].name] = file;
    parts[shard].push_back(tensors[i]);
  }
  ASSERT_OK(WriteSafetensorsFile(tmp.path("model-00001-of-00002.safetensors"),
                                 parts[0]));
  ASSERT_OK(WriteSafetensorsFile(tmp.path("model-00002-of-00002.safetensors"),
                                 parts[1]));
  WriteJson(tmp.path("model.safetensors.index.json"), index);
  fs::copy(golden + "/config.json", tmp.path("config.json"));
  ASSERT_OK_AND_ASSIGN(auto sharded, LoadCheckpoint(tmp.dir()));
  ASSERT_OK_AND_ASSIGN(auto single, LoadCheckpoint(golden));
  ExpectSameTensors(*single, *sharded);
  EXPECT_EQ(sharded->config.weights_dtype, DType::kBF16);
}

// A Gemma4ForCausalLM export: text keys at the top level, tensors under
// "model." (or "language_model." or no prefix).
TEST(HfVariantsTest, TextOnlyExportPrefixes) {
  const std::string golden = GoldenPath("e2b_like/hf");
  ASSERT_OK_AND_ASSIGN(auto reference, LoadCheckpoint(golden));
  ASSERT_OK_AND_ASSIGN(auto tensors,
                       ReadSafetensorsFile(golden + "/model.safetensors"));
  Json config = ReadJson(golden + "/config.json")["text_config"];
  config["architectures"] = {"Gemma4ForCausalLM"};
  for (const std::string prefix : {"model.", "language_model.", ""}) {
    SCOPED_TRACE(prefix);
    TempDir tmp;
    std::vector<RawTensor> renamed = tensors;
    for (RawTensor& t : renamed) {
      t.name =
          prefix + t.name.substr(std::string("model.language_model.").size());
    }
    ASSERT_OK(WriteSafetensorsFile(tmp.path("model.safetensors"), renamed));
    WriteJson(tmp.path("config.json"), config);
    ASSERT_OK_AND_ASSIGN(auto loaded, LoadCheckpoint(tmp.dir()));
    ExpectSameTensors(*reference, *loaded);
    EXPECT_EQ(loaded->config.text.per_layer_input_dim, 8);
    EXPECT_FALSE(loaded->config.vision.has_value());
  }
}

TEST(HfVariantsTest, PerLayerConfigAndDefaults) {
  Json base = ReadJson(GoldenPath("moe_like/hf/config.json"));
  {
    Json j = base;
    Json& t = j["text_config"];
    t.erase("global_head_dim");
    t.erase("num_global_key_value_heads");
    t["per_layer_config"] = {{"global_head_dim", 32},
                             {"num_global_key_value_heads", 1}};
    ASSERT_OK_AND_ASSIGN(ModelConfig c, ParseHfConfig(j, "config.json"));
    EXPECT_EQ(c.text.global_head_dim, 32);
    EXPECT_EQ(*c.text.num_global_kv_heads, 1);
  }
  {
    Json j = base;
    Json& t = j["text_config"];
    t.erase("global_head_dim");
    t.erase("rope_parameters");
    t.erase("layer_types");
    t.erase("hidden_size_per_layer_input");
    t.erase("top_k_experts");
    t["num_experts"] = 8;  // so the default top-k of 8 is valid
    t.erase("num_layers");
    t["num_hidden_layers"] = 12;
    ASSERT_OK_AND_ASSIGN(ModelConfig c, ParseHfConfig(j, "config.json"));
    EXPECT_EQ(c.text.global_head_dim, 512);  // HF default
    EXPECT_EQ(c.text.global_partial_rotary_factor, 0.25f);
    EXPECT_EQ(c.text.global_rope_base, 1e6f);
    EXPECT_EQ(c.text.local_rope_base, 1e4f);
    EXPECT_EQ(c.text.per_layer_input_dim, 256);  // HF default: PLE on
    EXPECT_EQ(c.text.per_layer_vocab_size, 768);
    EXPECT_EQ(c.text.num_experts_per_token, 8);
    ASSERT_EQ(c.text.layer_types.size(), 12u);
    for (int i = 0; i < 12; ++i) {
      EXPECT_EQ(c.text.layer_types[i] == LayerType::kGlobal, i % 6 == 5);
    }
  }
  {
    Json j = base;
    j["text_config"]["rope_parameters"]["full_attention"].erase(
        "partial_rotary_factor");
    j["text_config"]["sliding_window"] = nullptr;
    ASSERT_OK_AND_ASSIGN(ModelConfig c, ParseHfConfig(j, "config.json"));
    EXPECT_EQ(c.text.global_partial_rotary_factor, 0.25f);
    EXPECT_FALSE(c.text.use_sliding_window);
  }
}

TEST(HfVariantsTest, KerasDetectedByRegisteredName) {
  TempDir tmp;
  fs::copy(GoldenPath("dense_like/keras"), tmp.dir(),
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  fs::permissions(tmp.path("config.json"), fs::perms::owner_all,
                  fs::perm_options::add);
  Json config = ReadJson(tmp.path("config.json"));
  config.erase("class_name");
  WriteJson(tmp.path("config.json"), config);
  ASSERT_OK_AND_ASSIGN(auto ckpt, LoadCheckpoint(tmp.dir()));
  EXPECT_EQ(ckpt->config.layout, CheckpointLayout::kKeras);
}

// Tensors that need no permutation are views into the mapped file: their
// addresses differ exactly as their file offsets do.
TEST(ZeroCopyTest, HfAndKerasTensorsAreMapped) {
  const std::string p = "model.language_model.";
  ASSERT_OK_AND_ASSIGN(auto hf, LoadCheckpoint(GoldenPath("e2b_like/hf_bf16")));
  const char* embed = static_cast<const char*>(
      hf->weights.Get(p + "embed_tokens.weight")->data);
  const char* ple = static_cast<const char*>(
      hf->weights.Get(p + "embed_tokens_per_layer.weight")->data);
  EXPECT_EQ(ple - embed, 73728);  // data_offsets in the header

  const std::string file = GoldenPath("e2b_like/keras_bf16/model.weights.h5");
  hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  hid_t a = H5Dopen2(f, "/layers/reversible_embedding/vars/0", H5P_DEFAULT);
  hid_t b = H5Dopen2(f, "/layers/embedding/vars/0", H5P_DEFAULT);
  const long long diff = static_cast<long long>(H5Dget_offset(b)) -
                         static_cast<long long>(H5Dget_offset(a));
  H5Dclose(a);
  H5Dclose(b);
  H5Fclose(f);
  ASSERT_OK_AND_ASSIGN(auto keras,
                       LoadCheckpoint(GoldenPath("e2b_like/keras_bf16")));
  const char* k_embed = static_cast<const char*>(
      keras->weights.Get(p + "embed_tokens.weight")->data);
  const char* k_ple = static_cast<const char*>(
      keras->weights.Get(p + "embed_tokens_per_layer.weight")->data);
  EXPECT_EQ(k_ple - k_embed, diff);
}

}  // namespace
}  // namespace gemma::model
