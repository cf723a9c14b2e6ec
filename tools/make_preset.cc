// gemma4 make-preset: writes a checkpoint directory with random weights of a
// named config (model::NamedConfig), in the Keras preset or Hugging Face
// layout, float32 or bfloat16, with a SentencePiece tokenizer. The default
// tokenizer is the small fixture model shipped in assets/tokenizer/ (see
// its README): it is fine for exercising the pipeline, not for real text.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "model/checkpoint/checkpoint.h"
#include "tools/commands.h"
#include "tools/common.h"

namespace gemma::tools {

absl::Status RunMakePreset(int argc, char** argv) {
  const std::string default_tokenizer =
      std::string(GEMMA_ASSETS_DIR) + "/tokenizer/tokenizer.model";
  const std::vector<FlagSpec> flags = {
      {"config", false, "tiny, e2b, e4b, moe or dense"},
      {"seed", false, "random seed (default 1)"},
      {"layout", false, "keras or hf (default hf)"},
      {"dtype", false, "f32 or bf16 (default f32)"},
      {"out", false, "output directory"},
      {"tokenizer", false,
       "SentencePiece model to include (default: the bundled test model)"},
  };
  absl::StatusOr<Args> args =
      ParseCommandArgs(argc, argv,
                       "make-preset --config e2b|e4b|moe|dense|tiny --seed N "
                       "--layout keras|hf --dtype f32|bf16 --out DIR",
                       flags);
  if (!args.ok()) {
    return HelpShown(args.status()) ? absl::OkStatus() : args.status();
  }
  GEMMA_ASSIGN_OR_RETURN(std::string config_name, args->Require("config"));
  GEMMA_ASSIGN_OR_RETURN(std::string out, args->Require("out"));
  GEMMA_ASSIGN_OR_RETURN(std::optional<int64_t> seed, args->GetInt("seed"));
  if (seed.has_value() && *seed < 0) {
    return absl::InvalidArgumentError("--seed must be >= 0");
  }
  const std::string layout_name = args->Get("layout", "hf");
  model::CheckpointLayout layout;
  if (layout_name == "hf") {
    layout = model::CheckpointLayout::kHuggingFace;
  } else if (layout_name == "keras") {
    layout = model::CheckpointLayout::kKeras;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--layout must be keras or hf, got '", layout_name, "'"));
  }
  const std::string dtype_name = args->Get("dtype", "f32");
  model::DType dtype;
  if (dtype_name == "f32") {
    dtype = model::DType::kF32;
  } else if (dtype_name == "bf16") {
    dtype = model::DType::kBF16;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--dtype must be f32 or bf16, got '", dtype_name, "'"));
  }
  const std::string tokenizer = args->Get("tokenizer", default_tokenizer);
  GEMMA_ASSIGN_OR_RETURN(model::ModelConfig config,
                         model::NamedConfig(config_name));
  config.weights_dtype = dtype;
  GEMMA_ASSIGN_OR_RETURN(std::unique_ptr<model::Checkpoint> ckpt,
                         model::MakeRandomCheckpoint(
                             config, static_cast<uint64_t>(seed.value_or(1))));
  GEMMA_RETURN_IF_ERROR(
      model::WriteCheckpoint(*ckpt, out, layout, dtype, tokenizer));
  std::fprintf(stderr, "wrote %s (%s, %s layout, %s, seed %lld)\n", out.c_str(),
               config_name.c_str(), layout_name.c_str(), dtype_name.c_str(),
               static_cast<long long>(seed.value_or(1)));
  return absl::OkStatus();
}

}  // namespace gemma::tools
