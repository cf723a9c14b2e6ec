// Reading and writing the config files of both checkpoint layouts
// (spec §1.1/§1.2/§7.1, multimodal §2.1/§4.1) to and from ModelConfig.
// Thread-safety: pure functions.
#ifndef GEMMA_MODEL_CHECKPOINT_CONFIG_IO_H_
#define GEMMA_MODEL_CHECKPOINT_CONFIG_IO_H_

#include <string>

#include "absl/status/statusor.h"
#include "model/checkpoint/json_util.h"
#include "model/config.h"

namespace gemma::model {

// Hugging Face config.json (multimodal with text_config, or text-only with
// the text keys at top level). HF defaults apply to absent keys.
// `source` names the file in errors. weights_dtype and layout are left for
// the caller to set.
absl::StatusOr<ModelConfig> ParseHfConfig(const json_util::Json& config,
                                          const std::string& source);

// Keras preset: config.json (Gemma4Backbone), plus task.json (for
// final_logit_cap) and preprocessor.json (sequence_length, soft tokens per
// image) when present (pass null Json when absent).
absl::StatusOr<ModelConfig> ParseKerasConfig(
    const json_util::Json& config, const json_util::Json& task,
    const json_util::Json& preprocessor, const std::string& dir);

// Fills layer_types from a sliding-window pattern (global iff i % pattern ==
// pattern - 1), forcing the last layer global when `force_last_global`.
void FillLayerTypes(TextConfig& text, int pattern, bool force_last_global);

// Rejects sizes no real model comes near (so a corrupt config cannot make
// the loader enumerate billions of layers), then TextConfig::Validate().
// Errors name `source`.
absl::Status CheckConfig(const ModelConfig& config, const std::string& source);

// "e2b"/"e4b" for PLE models (the small family), "moe" for MoE, "dense"
// otherwise.
std::string DetectFamily(const TextConfig& text);

// The Hugging Face config.json for `config` (multimodal form).
json_util::Json HfConfigJson(const ModelConfig& config, DType dtype);

// The Keras preset files for `config`: config.json, task.json,
// preprocessor.json, metadata.json, tokenizer.json contents.
struct KerasPresetJson {
  json_util::Json config, task, preprocessor, metadata, tokenizer;
};
KerasPresetJson KerasPresetFiles(const ModelConfig& config, DType dtype,
                                 int64_t parameter_count);

}  // namespace gemma::model

#endif  // GEMMA_MODEL_CHECKPOINT_CONFIG_IO_H_
