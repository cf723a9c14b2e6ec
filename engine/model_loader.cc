#include "engine/model_loader.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "engine/frontend.h"
#include "model/checkpoint/checkpoint.h"
#include "model/decoder/gemma4_model.h"
#include "nlohmann/json.hpp"

namespace gemma::engine {

LoadedModel::LoadedModel() = default;
LoadedModel::~LoadedModel() = default;
LoadedModel::LoadedModel(LoadedModel&&) = default;
LoadedModel& LoadedModel::operator=(LoadedModel&&) = default;

namespace {

// eos ids of a Hugging Face generation_config.json ("eos_token_id": int or
// list); empty when the file is absent or has none.
absl::StatusOr<std::vector<int32_t>> GenerationConfigEos(
    const std::string& path) {
  std::vector<int32_t> ids;
  if (path.empty()) return ids;
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot open " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(path + " is not a JSON object");
  }
  auto it = j.find("eos_token_id");
  if (it == j.end() || it->is_null()) return ids;
  if (it->is_number_integer()) {
    ids.push_back(it->get<int32_t>());
  } else if (it->is_array()) {
    for (const auto& v : *it) {
      if (!v.is_number_integer()) {
        return absl::InvalidArgumentError(path +
                                          ": eos_token_id holds a non-integer");
      }
      ids.push_back(v.get<int32_t>());
    }
  } else {
    return absl::InvalidArgumentError(path +
                                      ": eos_token_id is not an int or list");
  }
  return ids;
}

StopTokenDefaults MakeStopDefaults(const tokenizer::Tokenizer& tok,
                                   const std::vector<int32_t>& gen_eos) {
  StopTokenDefaults d;
  const tokenizer::SpecialTokenIds& s = tok.special_ids();
  for (int id : {s.eos, s.turn_end}) {
    if (id >= 0) d.base.push_back(id);
  }
  for (int32_t id : gen_eos) {
    if (tok.IsValidId(id)) d.chat_extra.push_back(id);
  }
  if (s.tool_response_start >= 0) d.chat_extra.push_back(s.tool_response_start);
  return d;
}

}  // namespace

absl::StatusOr<LoadedModel> LoadModel(const ModelSpec& spec) {
  LoadedModel out;
  std::unique_ptr<model::Checkpoint> ckpt;
  if (!spec.dir.empty()) {
    model::LoadOptions lo;
    lo.load_vision = spec.load_vision;
    lo.load_audio = spec.load_audio;
    GEMMA_ASSIGN_OR_RETURN(ckpt, model::LoadCheckpoint(spec.dir, lo));
  } else {
    GEMMA_ASSIGN_OR_RETURN(model::ModelConfig config,
                           model::NamedConfig(spec.random_config));
    config.weights_dtype = spec.random_dtype;
    if (!spec.load_vision) config.vision.reset();
    if (!spec.load_audio) config.audio.reset();
    GEMMA_ASSIGN_OR_RETURN(
        ckpt, model::MakeRandomCheckpoint(config, spec.random_seed));
  }
  const std::string tok_dir =
      spec.tokenizer_dir.empty() ? spec.dir : spec.tokenizer_dir;
  if (tok_dir.empty()) {
    return absl::InvalidArgumentError(
        "a model with random weights needs a tokenizer directory");
  }
  GEMMA_ASSIGN_OR_RETURN(out.tokenizer,
                         tokenizer::Tokenizer::FromModelDir(tok_dir));
  GEMMA_ASSIGN_OR_RETURN(
      std::vector<int32_t> gen_eos,
      GenerationConfigEos(ckpt->tokenizer.generation_config));
  out.stop_defaults = MakeStopDefaults(*out.tokenizer, gen_eos);

  const model::ModelConfig& config = ckpt->config;
  ModelInfo& info = out.info;
  info.family = config.family;
  info.vocab_size = config.text.vocab_size;
  info.hidden_dim = config.text.hidden_dim;
  info.num_layers = config.text.num_layers;
  info.default_max_length = config.default_max_length;
  // The pool caps this at what one instance's KV cache holds.
  info.context_length = 1 << 20;
  info.dtype = std::string(model::DTypeName(config.weights_dtype));
  info.image = config.vision.has_value();
  info.audio = config.audio.has_value();
  // Video goes through the vision tower; --max-video-frames 0 turns it off.
  info.video =
      config.vision.has_value() && spec.media_limits.max_video_frames > 0;
  info.random_weights = spec.dir.empty();

  // Packed weights replace the checkpoint's copies (the embedding tables
  // stay, read in place), so a model is not held twice in memory.
  model::ModelOptions mo;
  mo.release_packed_weights = true;
  GEMMA_ASSIGN_OR_RETURN(
      out.math, model::Gemma4Model::Create(ckpt->config, ckpt->weights, mo));
  if (config.vision.has_value() || config.audio.has_value()) {
    MediaEncoderOptions meo;
    meo.cache_bytes = spec.encoder_cache_bytes;
    GEMMA_ASSIGN_OR_RETURN(
        out.media, MediaEncoder::Create(ckpt->config, ckpt->weights, meo));
  }
  FrontendOptions fo;
  fo.chat_template_path = ckpt->tokenizer.chat_template;
  fo.audio_convention = spec.audio_convention;
  fo.media_limits = spec.media_limits;
  GEMMA_ASSIGN_OR_RETURN(
      out.frontend, Frontend::Create(out.tokenizer.get(), ckpt->config, fo));
  out.checkpoint = std::move(ckpt);
  return out;
}

}  // namespace gemma::engine
