// LoadCheckpoint: layout detection, config, weights, validation.
#include "model/checkpoint/checkpoint.h"

#include <sys/stat.h>

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "model/checkpoint/config_io.h"
#include "model/checkpoint/json_util.h"
#include "model/checkpoint/safetensors.h"
#include "model/checkpoint/tensor_spec.h"
#include "model/checkpoint/weight_mapping.h"

namespace gemma::model {
namespace {

using json_util::Json;

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool DirExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string IfExists(const std::string& path) {
  return FileExists(path) ? path : std::string();
}

TokenizerFiles FindTokenizerFiles(const std::string& dir) {
  TokenizerFiles f;
  f.spm_model = IfExists(dir + "/tokenizer.model");
  if (f.spm_model.empty()) {
    f.spm_model = IfExists(dir + "/assets/tokenizer/vocabulary.spm");
  }
  f.hf_tokenizer_json = IfExists(dir + "/tokenizer.json");
  // A Keras preset's tokenizer.json is the serialized Gemma4Tokenizer
  // config, not a Hugging Face tokenizer.
  if (!f.hf_tokenizer_json.empty()) {
    absl::StatusOr<Json> j = json_util::ParseFile(f.hf_tokenizer_json);
    if (!j.ok() || !j->is_object() || j->contains("class_name") ||
        !j->contains("model")) {
      f.hf_tokenizer_json.clear();
    }
  }
  f.chat_template = IfExists(dir + "/chat_template.jinja");
  f.generation_config = IfExists(dir + "/generation_config.json");
  return f;
}

bool IsKerasBackboneConfig(const Json& j) {
  if (!j.is_object()) return false;
  auto str = [&](const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>()
                                                 : std::string();
  };
  return str("class_name") == "Gemma4Backbone" ||
         str("registered_name") == "keras_hub>Gemma4Backbone";
}

absl::StatusOr<Json> ParseOptional(const std::string& path) {
  if (!FileExists(path)) return Json();
  return json_util::ParseFile(path);
}

// Puts canonical tensors into a store: drops ignorable ones and those of
// towers not loaded, rejects duplicates.
absl::Status FillStore(std::vector<RawTensor> tensors,
                       const ModelConfig& config, const LoadOptions& options,
                       WeightStore& store) {
  for (RawTensor& t : tensors) {
    const Tower tower = TowerOf(t.name);
    if ((tower == Tower::kVision && !options.load_vision) ||
        (tower == Tower::kAudio && !options.load_audio)) {
      continue;  // Skipped by request; a tower without config is an error.
    }
    if (IsIgnorableTensor(config.text, t.name)) {
      VLOG(1) << t.source << ": ignoring unused tensor " << t.name;
      continue;
    }
    if (store.Has(t.name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          t.source, ": tensor ", t.name, " appears twice (also in ",
          store.SourceOf(t.name), ")"));
    }
    store.AddView(std::move(t.name), std::move(t.view), std::move(t.source),
                  std::move(t.owner));
  }
  return absl::OkStatus();
}

absl::Status FinishConfig(const LoadOptions& options, Checkpoint& ckpt) {
  absl::StatusOr<TensorView> embed =
      ckpt.weights.Get(absl::StrCat(kTextPrefix, "embed_tokens.weight"));
  if (embed.ok()) ckpt.config.weights_dtype = embed->dtype;
  return ValidateWeights(ckpt.config, ckpt.weights);
}

absl::Status LoadHf(const std::string& dir, const Json& config_json,
                    const LoadOptions& options, Checkpoint& ckpt) {
  const std::string source = dir + "/config.json";
  GEMMA_ASSIGN_OR_RETURN(ckpt.config, ParseHfConfig(config_json, source));
  if (!options.load_vision) ckpt.config.vision.reset();
  if (!options.load_audio) ckpt.config.audio.reset();
  const bool text_only = config_json.value("model_type", "") == "gemma4_text";
  GEMMA_ASSIGN_OR_RETURN(std::vector<RawTensor> raw, ReadSafetensorsDir(dir));
  GEMMA_ASSIGN_OR_RETURN(std::vector<RawTensor> canonical,
                         CanonicalizeHfTensors(std::move(raw), text_only));
  GEMMA_RETURN_IF_ERROR(
      FillStore(std::move(canonical), ckpt.config, options, ckpt.weights));
  return FinishConfig(options, ckpt);
}

absl::Status LoadKeras(const std::string& dir, const Json& config_json,
                       const LoadOptions& options, Checkpoint& ckpt) {
  GEMMA_ASSIGN_OR_RETURN(Json task, ParseOptional(dir + "/task.json"));
  GEMMA_ASSIGN_OR_RETURN(Json preprocessor,
                         ParseOptional(dir + "/preprocessor.json"));
  GEMMA_ASSIGN_OR_RETURN(
      ckpt.config, ParseKerasConfig(config_json, task, preprocessor, dir));
  if (!options.load_vision) ckpt.config.vision.reset();
  if (!options.load_audio) ckpt.config.audio.reset();
  GEMMA_ASSIGN_OR_RETURN(
      std::vector<RawTensor> tensors,
      ReadKerasWeights(dir, ckpt.config, !options.load_vision,
                       !options.load_audio));
  GEMMA_RETURN_IF_ERROR(
      FillStore(std::move(tensors), ckpt.config, options, ckpt.weights));
  return FinishConfig(options, ckpt);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Checkpoint>> LoadCheckpoint(
    const std::string& dir, const LoadOptions& options) {
  if (!DirExists(dir)) {
    return absl::NotFoundError(
        absl::StrCat("checkpoint directory ", dir, " does not exist"));
  }
  const std::string config_path = dir + "/config.json";
  if (!FileExists(config_path)) {
    return absl::NotFoundError(
        absl::StrCat(dir,
                     " has no config.json: not a Keras preset or Hugging Face "
                     "checkpoint directory"));
  }
  GEMMA_ASSIGN_OR_RETURN(Json config_json, json_util::ParseFile(config_path));
  auto ckpt = std::make_unique<Checkpoint>();
  ckpt->dir = dir;
  if (IsKerasBackboneConfig(config_json)) {
    GEMMA_RETURN_IF_ERROR(LoadKeras(dir, config_json, options, *ckpt));
  } else if (config_json.is_object() && config_json.contains("model_type")) {
    GEMMA_RETURN_IF_ERROR(LoadHf(dir, config_json, options, *ckpt));
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        config_path,
        ": neither a Keras Gemma4Backbone config (class_name) nor a Hugging "
        "Face config (model_type)"));
  }
  ckpt->tokenizer = FindTokenizerFiles(dir);
  LOG(INFO) << "loaded " << dir << ": " << ckpt->weights.size() << " tensors, "
            << ckpt->weights.TotalBytes() / (1 << 20) << " MiB, "
            << DTypeName(ckpt->config.weights_dtype);
  return ckpt;
}

}  // namespace gemma::model
