// WriteCheckpoint: a checkpoint directory in either layout.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/bfloat16.h"
#include "base/mapped_file.h"
#include "base/status_macros.h"
#include "model/checkpoint/checkpoint.h"
#include "model/checkpoint/config_io.h"
#include "model/checkpoint/safetensors.h"
#include "model/checkpoint/tensor_spec.h"
#include "model/checkpoint/weight_mapping.h"

namespace gemma::model {
namespace {

absl::Status MakeDirs(const std::string& path) {
  std::string prefix;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    prefix = path.substr(0, pos);
    if (prefix.empty()) continue;
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::PermissionDeniedError(absl::StrCat(
          "cannot create directory ", prefix, ": ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

absl::Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::PermissionDeniedError("cannot create " + path);
  out << text;
  out.close();
  if (!out) return absl::DataLossError("error writing " + path);
  return absl::OkStatus();
}

absl::Status CopyFile(const std::string& from, const std::string& to) {
  GEMMA_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(from));
  return WriteText(to, bytes);
}

// Every tensor of `weights` converted to `dtype` (f32 -> bf16 rounds to
// nearest even; bf16 -> f32 is exact).
WeightStore Converted(const WeightStore& weights, DType dtype) {
  WeightStore out;
  for (const std::string& name : weights.Names()) {
    TensorView v = *weights.Get(name);
    const int64_t n = v.num_elements();
    std::vector<uint8_t> bytes(static_cast<size_t>(n) * DTypeSize(dtype));
    if (v.dtype == dtype) {
      std::memcpy(bytes.data(), v.data, bytes.size());
    } else if (dtype == DType::kBF16) {
      uint16_t* o = reinterpret_cast<uint16_t*>(bytes.data());
      for (int64_t i = 0; i < n; ++i) o[i] = FloatToBf16(v.f32()[i]);
    } else {
      float* o = reinterpret_cast<float*>(bytes.data());
      for (int64_t i = 0; i < n; ++i) o[i] = Bf16ToFloat(v.bf16()[i]);
    }
    out.AddOwned(name, dtype, v.shape, std::move(bytes),
                 weights.SourceOf(name));
  }
  return out;
}

}  // namespace

absl::Status WriteCheckpoint(const Checkpoint& ckpt, const std::string& out_dir,
                             CheckpointLayout layout, DType dtype,
                             const std::string& tokenizer_spm_path) {
  if (dtype != DType::kF32 && dtype != DType::kBF16) {
    return absl::InvalidArgumentError(
        "checkpoints are written as float32 or "
        "bfloat16");
  }
  GEMMA_RETURN_IF_ERROR(ValidateWeights(ckpt.config, ckpt.weights));
  GEMMA_RETURN_IF_ERROR(MakeDirs(out_dir));
  const WeightStore weights = Converted(ckpt.weights, dtype);
  if (layout == CheckpointLayout::kHuggingFace) {
    GEMMA_RETURN_IF_ERROR(WriteText(out_dir + "/config.json",
                                    HfConfigJson(ckpt.config, dtype).dump(1)));
    std::vector<RawTensor> tensors;
    for (const std::string& name : weights.Names()) {
      RawTensor t;
      t.name = name;
      t.view = *weights.Get(name);
      tensors.push_back(std::move(t));
    }
    GEMMA_RETURN_IF_ERROR(
        WriteSafetensorsFile(out_dir + "/model.safetensors", tensors));
    if (!tokenizer_spm_path.empty()) {
      GEMMA_RETURN_IF_ERROR(
          CopyFile(tokenizer_spm_path, out_dir + "/tokenizer.model"));
    }
    return absl::OkStatus();
  }
  if (layout != CheckpointLayout::kKeras) {
    return absl::InvalidArgumentError(
        "checkpoints are written in the Keras or Hugging Face layout");
  }
  ModelConfig config = ckpt.config;
  config.weights_dtype = dtype;
  const KerasPresetJson files =
      KerasPresetFiles(config, dtype, TextParameterCount(config));
  GEMMA_RETURN_IF_ERROR(
      WriteText(out_dir + "/config.json", files.config.dump(4)));
  GEMMA_RETURN_IF_ERROR(WriteText(out_dir + "/task.json", files.task.dump(4)));
  GEMMA_RETURN_IF_ERROR(
      WriteText(out_dir + "/preprocessor.json", files.preprocessor.dump(4)));
  GEMMA_RETURN_IF_ERROR(
      WriteText(out_dir + "/metadata.json", files.metadata.dump(4)));
  GEMMA_RETURN_IF_ERROR(
      WriteText(out_dir + "/tokenizer.json", files.tokenizer.dump(4)));
  GEMMA_RETURN_IF_ERROR(
      WriteKerasWeights(out_dir + "/model.weights.h5", config, weights, dtype));
  if (!tokenizer_spm_path.empty()) {
    GEMMA_RETURN_IF_ERROR(MakeDirs(out_dir + "/assets/tokenizer"));
    GEMMA_RETURN_IF_ERROR(CopyFile(
        tokenizer_spm_path, out_dir + "/assets/tokenizer/vocabulary.spm"));
  }
  return absl::OkStatus();
}

}  // namespace gemma::model
