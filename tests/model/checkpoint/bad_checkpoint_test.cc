// Malformed checkpoints give a clear error naming the file and tensor, and
// never crash. Each test corrupts a copy of a golden checkpoint in a
// temporary directory.
#include <hdf5.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "model/checkpoint/checkpoint.h"
#include "nlohmann/json.hpp"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"

namespace gemma::model {
namespace {

namespace fs = std::filesystem;
using ::gemma::testing::GoldenPath;
using ::gemma::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using Json = nlohmann::json;

// The status has `code` and a message matching `message_matcher`.
MATCHER_P2(FailsWith, code, message_matcher, "") {
  const absl::Status& s = ::gemma::testing::GetStatus(arg);
  *result_listener << s.ToString();
  return s.code() == code &&
         ::testing::Matches(message_matcher)(std::string(s.message()));
}

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

// A writable copy of a golden folder, removed when the test ends.
class Copy {
 public:
  explicit Copy(const std::string& golden) {
    std::string tmpl = (fs::temp_directory_path() / "bad_ckpt_XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return;
    root_ = tmpl;
    dir_ = root_ + "/ckpt";
    fs::copy(GoldenPath(golden), dir_, fs::copy_options::recursive);
    for (const auto& e : fs::recursive_directory_iterator(dir_)) {
      fs::permissions(e.path(), fs::perms::owner_all, fs::perm_options::add);
    }
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
  }
  ~Copy() {
    std::error_code ec;
    if (!root_.empty()) fs::remove_all(root_, ec);
  }
  std::string path(const std::string& file) const { return dir_ + "/" + file; }
  const std::string& dir() const { return dir_; }

 private:
  std::string root_, dir_;
};

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Splits a safetensors file into its header JSON and data bytes.
void SplitSafetensors(const std::string& path, Json* header,
                      std::string* data) {
  const std::string bytes = Read(path);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(bytes[i]);
  *header = Json::parse(bytes.substr(8, n));
  *data = bytes.substr(8 + n);
}

void JoinSafetensors(const std::string& path, const Json& header,
                     const std::string& data) {
  std::string text = header.dump();
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>(text.size() >> (8 * i));
  Write(path, out + text + data);
}

// Adds tensor `name` shaped like `like`, with zero bytes appended to `data`.
void AddTensorLike(Json& header, std::string& data, const std::string& name,
                   const std::string& like) {
  Json entry = header[like];
  const uint64_t n = entry["data_offsets"][1].get<uint64_t>() -
                     entry["data_offsets"][0].get<uint64_t>();
  entry["data_offsets"] = {data.size(), data.size() + n};
  data.append(n, '\0');
  header[name] = entry;
}

const char kQ[] = "model.language_model.layers.0.self_attn.q_proj.weight";

TEST(BadCheckpointTest, MissingDirectoryAndConfig) {
  EXPECT_THAT(LoadCheckpoint("/nonexistent/ckpt"),
              StatusIs(absl::StatusCode::kNotFound, "does not exist"));
  Copy c("e2b_like/hf");
  fs::remove(c.path("config.json"));
  EXPECT_THAT(LoadCheckpoint(c.dir()),
              StatusIs(absl::StatusCode::kNotFound, "no config.json"));
}

TEST(BadCheckpointTest, GarbageConfigJson) {
  Copy c("e2b_like/hf");
  Write(c.path("config.json"), "{\"model_type\": \"gemma4\", oops");
  EXPECT_THAT(LoadCheckpoint(c.dir()),
              StatusIs(kInvalid, c.path("config.json") + ": not valid JSON"));
  Write(c.path("config.json"), "[1, 2]");
  EXPECT_THAT(LoadCheckpoint(c.dir()), StatusIs(kInvalid, "config.json"));
  Write(c.path("config.json"),
        R"({"model_type": "gemma4", "text_config": {"hidden_size": "wide"}})");
  EXPECT_THAT(LoadCheckpoint(c.dir()), StatusIs(kInvalid, "hidden_size"));
  Write(c.path("config.json"), R"({"model_type": "llama"})");
  EXPECT_THAT(LoadCheckpoint(c.dir()), StatusIs(kInvalid, "llama"));
}

TEST(BadCheckpointTest, InconsistentConfig) {
  Copy c("moe_like/hf");
  Json config = Json::parse(Read(c.path("config.json")));
  config["text_config"]["num_attention_heads"] = 3;
  Write(c.path("config.json"), config.dump());
  EXPECT_THAT(LoadCheckpoint(c.dir()),
              StatusIs(kInvalid, "num_attention_heads (3)"));
}

TEST(BadCheckpointTest, AbsurdSizesAreRejectedBeforeUse) {
  Copy c("e2b_like/hf");
  Json config = Json::parse(Read(c.path("config.json")));
  config["text_config"]["num_hidden_layers"] = 2000000000;
  config["text_config"].erase("layer_types");
  Write(c.path("config.json"), config.dump());
  EXPECT_THAT(LoadCheckpoint(c.dir()), StatusIs(kInvalid, "num_layers"));
  config["text_config"]["num_hidden_layers"] = 6;
  config["text_config"]["num_attention_heads"] = 0;
  Write(c.path("config.json"), config.dump());
  EXPECT_THAT(LoadCheckpoint(c.dir()), StatusIs(kInvalid, "head counts"));
}

TEST(BadCheckpointTest, TruncatedSafetensors) {
  Copy c("e2b_like/hf");
  const std::string file = c.path("model.safetensors");
  const std::string bytes = Read(file);
  Write(file, bytes.substr(0, bytes.size() / 2));
  EXPECT_THAT(LoadCheckpoint(c.dir()),
              FailsWith(kInvalid, AllOf(HasSubstr(file), HasSubstr("tensor "),
                                        HasSubstr("truncated"))));
  Write(file, bytes.substr(0, 5));
  EXPECT_THAT(LoadCheckpoint(c.dir()), StatusIs(kInvalid, file));
  Write(file, bytes.substr(0, 100));  // cut inside the header
  EXPECT_THAT(LoadCheckpoint(c.dir()), StatusIs(kInvalid, file));
}

TEST(BadCheckpointTest, SafetensorsHeaderLies) {
  Copy c("e2b_like/hf_bf16");
  const std::string file = c.path("model.safetensors");
  Json header;
  std::string data;
  SplitSafetensors(file, &header, &data);

  Json bad = header;  // Offsets past the end of the data.
  bad[kQ]["data_offsets"][1] = data.size() + 64;
  JoinSafetensors(file, bad, data);
  EXPECT_THAT(LoadCheckpoint(c.dir()),
              FailsWith(kInvalid, AllOf(HasSubstr(file), HasSubstr(kQ),
                                        HasSubstr("outside"))));

  bad = header;  // Two tensors sharing bytes.
  const std::string k = "model.language_model.layers.0.self_attn.k_proj.weight";
  bad[k]["data_offsets"] = bad[kQ]["data_offsets"];
  bad[k]["shape"] = bad[kQ]["shape"];
  JoinSafetensors(file, bad, data);
  EXPECT_THAT(LoadCheckpoint(c.dir()), StatusIs(kInvalid, "overlaps"));

  bad = header;  // Size does not match shape x dtype.
  bad[kQ]["shape"] = {64, 47};
  JoinSafetensors(file, bad, data);
  EXPECT_THAT(LoadCheckpoint(c.dir()),
              FailsWith(kInvalid, AllOf(HasSubstr(kQ), HasSubstr("needs"))));

  bad = header;  // Unsupported dtype.
  bad[kQ]["dtype"] = "F16";
  JoinSafetensors(file, bad, data);
  EXPECT_THAT(LoadCheckpoint(c.dir()),
              FailsWith(kInvalid, AllOf(HasSubstr(kQ), HasSubstr("F16"))));

  bad = header;  // Not the dtype of the rest of the text model.
  bad[kQ]["dtype"] = "F32";
  bad[kQ]["shape"] = {32, 48};
  JoinSafetensors(file, bad, data);
  EXPECT_THAT(LoadCheckpoint(c.dir()), StatusIs(kInvalid, kQ));

  bad = header;  // Garbage entry.
  bad[kQ] = "nope";
  JoinSafetensors(file, bad, data);
  EXPECT_THAT(LoadCheckpoint(c.dir()), StatusIs(kInvalid, kQ));
}

TEST(BadCheckpointTest, WrongShapeMissingAndUnexpectedTensors) {
  Copy c("e2b_like/hf");
  const std::string file = c.path("model.safetensors");
  Json header;
  std::string data;
  SplitSafetensors(file, &header, &data);

  Json bad = header;  // Same byte count, wrong shape.
  bad[kQ]["shape"] = {48, 64};
  JoinSafetensors(file, bad, data);
  EXPECT_THAT(LoadCheckpoint(c.dir()),
              FailsWith(kInvalid, AllOf(HasSubstr(file), HasSubstr(kQ),
                                        HasSubstr("[48, 64]"),
                                        HasSubstr("expected [64, 48]"))));

  bad = header;
  bad.erase(kQ);
  JoinSafetensors(file, bad, data);
  EXPECT_THAT(LoadCheckpoint(c.dir()),
              FailsWith(kInvalid, AllOf(HasSubstr("missing"), HasSubstr(kQ))));

  bad = header;  // A v_proj on a KV-shared layer is ignorable...
  std::string more = data;
  const std::string v0 =
      "model.language_model.layers.0.self_attn.v_proj.weight";
  AddTensorLike(bad, more,
                "model.language_model.layers.4.self_attn.v_proj.weight", v0);
  AddTensorLike(bad, more, "lm_head.weight",
                "model.language_model.embed_tokens.weight");
  JoinSafetensors(file, bad, more);
  EXPECT_OK(LoadCheckpoint(c.dir()));
  // ... one on a layer the model does not have is not.
  AddTensorLike(bad, more,
                "model.language_model.layers.6.self_attn.v_proj.weight", v0);
  JoinSafetensors(file, bad, more);
  EXPECT_THAT(LoadCheckpoint(c.dir()),
              FailsWith(kInvalid, AllOf(HasSubstr("unexpected"),
                                        HasSubstr("layers.6.self_attn"))));
}

TEST(BadCheckpointTest, BrokenShardIndex) {
  Copy c("moe_like/hf");
  const std::string shard = "model-00001-of-00001.safetensors";
  fs::rename(c.path("model.safetensors"), c.path(shard));
  Json index = {{"metadata", {{"total_size", 1}}},
                {"weight_map", Json::object()}};
  Write(c.path("model.safetensors.index.json"), index.dump());
  EXPECT_THAT(LoadCheckpoint(c.dir()), StatusIs(kInvalid, "lists no tensors"));
  index["weight_map"][kQ] = shard;  // The shard's other tensors are unlisted.
  Write(c.path("model.safetensors.index.json"), index.dump());
  EXPECT_THAT(LoadCheckpoint(c.dir()), StatusIs(kInvalid, "is not listed"));
  index["weight_map"][kQ] = "model-00002-of-00002.safetensors";
  Write(c.path("model.safetensors.index.json"), index.dump());
  EXPECT_THAT(LoadCheckpoint(c.dir()),
              StatusIs(absl::StatusCode::kNotFound, "00002-of-00002"));
  Write(c.path("model.safetensors.index.json"), "{{{");
  EXPECT_THAT(LoadCheckpoint(c.dir()), StatusIs(kInvalid, "not valid JSON"));
}

TEST(BadCheckpointTest, NotHdf5AndNotKeras) {
  Copy c("dense_like/keras");
  const std::string file = c.path("model.weights.h5");
  Write(file, "this is not an HDF5 file at all");
  EXPECT_THAT(LoadCheckpoint(c.dir()),
              FailsWith(kInvalid, AllOf(HasSubstr(file), HasSubstr("HDF5"))));
  // A valid HDF5 file that is not a Keras weights file.
  hid_t f = H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  hsize_t dims[1] = {4};
  hid_t space = H5Screate_simple(1, dims, nullptr);
  hid_t ds = H5Dcreate2(f, "/data", H5T_IEEE_F32LE, space, H5P_DEFAULT,
                        H5P_DEFAULT, H5P_DEFAULT);
  float values[4] = {1, 2, 3, 4};
  H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
  H5Dclose(ds);
  H5Sclose(space);
  H5Fclose(f);
  EXPECT_THAT(
      LoadCheckpoint(c.dir()),
      FailsWith(kInvalid,
                AllOf(HasSubstr(file), HasSubstr("not a Keras weights file"))));
  fs::remove(file);
  EXPECT_THAT(LoadCheckpoint(c.dir()),
              StatusIs(absl::StatusCode::kNotFound, "model.weights"));
}

TEST(BadCheckpointTest, WrongKerasDtype) {
  Copy c("e2b_like/keras");
  const std::string file = c.path("model.weights.h5");
  const char* path = "/layers/rms_normalization_1/vars/0";
  hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  ASSERT_GE(H5Ldelete(f, path, H5P_DEFAULT), 0);
  hsize_t dims[1] = {48};
  hid_t space = H5Screate_simple(1, dims, nullptr);
  hid_t ds = H5Dcreate2(f, path, H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT,
                        H5P_DEFAULT);
  int values[48] = {0};
  H5Dwrite(ds, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
  H5Dclose(ds);
  H5Sclose(space);
  H5Fclose(f);
  EXPECT_THAT(LoadCheckpoint(c.dir()),
              FailsWith(kInvalid, AllOf(HasSubstr(file), HasSubstr(path),
                                        HasSubstr("unsupported element"))));
}

TEST(BadCheckpointTest, TruncatedHdf5) {
  Copy c("e2b_like/keras_bf16");
  const std::string file = c.path("model.weights.h5");
  const std::string bytes = Read(file);
  for (size_t keep : {bytes.size() - 1000, bytes.size() / 2, size_t{600}}) {
    SCOPED_TRACE(keep);
    Write(file, bytes.substr(0, keep));
    EXPECT_THAT(LoadCheckpoint(c.dir()), StatusIs(kInvalid, file));
  }
}

TEST(BadCheckpointTest, KerasConfigDisagreesWithWeights) {
  Copy c("e2b_like/keras");
  Json config = Json::parse(Read(c.path("config.json")));
  config["config"]["intermediate_dim"] = 32;
  Write(c.path("config.json"), config.dump());
  EXPECT_THAT(
      LoadCheckpoint(c.dir()),
      FailsWith(kInvalid,
                AllOf(HasSubstr(c.path("model.weights.h5")),
                      HasSubstr("gemma4_text_decoder_block/gating_ffw/vars/0"),
                      HasSubstr("model.language_model.layers.0.mlp.gate_proj"),
                      HasSubstr("expected [48, 32]"))));
  // Without KV sharing in the config, layer 4 needs K/V the file lacks.
  config = Json::parse(Read(GoldenPath("e2b_like/keras/config.json")));
  config["config"]["num_kv_shared_layers"] = 0;
  Write(c.path("config.json"), config.dump());
  EXPECT_THAT(LoadCheckpoint(c.dir()),
              FailsWith(kInvalid,
                        AllOf(HasSubstr("gemma4_text_decoder_block_4/attention/"
                                        "key_dense"),
                              HasSubstr("layers.4.self_attn.k_proj"))));
  // PLE off in the config: the final norm is looked up where the PLE
  // projection norm is.
  config = Json::parse(Read(GoldenPath("e2b_like/keras/config.json")));
  config["config"]["hidden_size_per_layer_input"] = 0;
  Write(c.path("config.json"), config.dump());
  EXPECT_THAT(LoadCheckpoint(c.dir()),
              FailsWith(kInvalid, AllOf(HasSubstr("rms_normalization/vars/0"),
                                        HasSubstr("norm.weight"))));
}

TEST(BadCheckpointTest, UnexpectedKerasDatasets) {
  Copy c("e2b_audio/keras");
  Json config = Json::parse(Read(c.path("config.json")));
  config["config"]["audio_encoder"] = nullptr;
  Write(c.path("config.json"), config.dump());
  EXPECT_THAT(
      LoadCheckpoint(c.dir()),
      FailsWith(kInvalid, AllOf(HasSubstr(c.path("model.weights.h5")),
                                HasSubstr("unexpected dataset"),
                                HasSubstr("/layers/gemma4_audio_encoder/"))));
  // Not loading the audio tower at all skips those datasets.
  LoadOptions no_audio;
  no_audio.load_audio = false;
  Write(c.path("config.json"), Read(GoldenPath("e2b_audio/keras/config.json")));
  EXPECT_OK(LoadCheckpoint(c.dir(), no_audio));
}

TEST(BadCheckpointTest, ShardedIndexMissingGroup) {
  Copy c("moe_like/keras_bf16_sharded");
  Json index = Json::parse(Read(c.path("model.weights.json")));
  index["weight_map"].erase(
      "/layers/gemma4_text_decoder_block_2/moe_expert_bank/vars");
  Write(c.path("model.weights.json"), index.dump());
  EXPECT_THAT(
      LoadCheckpoint(c.dir()),
      FailsWith(kInvalid, AllOf(HasSubstr("model.weights.json"),
                                HasSubstr("gemma4_text_decoder_block_2/"
                                          "moe_expert_bank/vars"),
                                HasSubstr("needed for tensor "
                                          "model.language_model.layers.2."))));
  index["weight_map"]
       ["/layers/gemma4_text_decoder_block_2/moe_expert_bank/vars"] =
           "model_00009.weights.h5";
  Write(c.path("model.weights.json"), index.dump());
  EXPECT_THAT(LoadCheckpoint(c.dir()),
              StatusIs(absl::StatusCode::kNotFound, "model_00009.weights.h5"));
}

}  // namespace
}  // namespace gemma::model
