// Loading one served model: its checkpoint (from a directory, or random
// weights of a named config), the math built over it, its tokenizer and
// tokenizer front end, the "auto" stop ids, and the ModelInfo the API lists.
// Thread-safety: LoadModel is reentrant except for Keras (HDF5) checkpoints,
// which must not be loaded from two threads at once (see checkpoint.h).
// A LoadedModel is immutable after loading and shared by the model's
// instances.
#ifndef GEMMA_ENGINE_MODEL_LOADER_H_
#define GEMMA_ENGINE_MODEL_LOADER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "engine/generation_params.h"
#include "engine/media_encoder.h"
#include "engine/model_pool.h"
#include "model/checkpoint/checkpoint.h"
#include "tokenizer/tokenizer.h"

namespace gemma::model {
class Gemma4Model;
}  // namespace gemma::model

namespace gemma::engine {

struct LoadedModel {
  LoadedModel();
  ~LoadedModel();
  LoadedModel(LoadedModel&&);
  LoadedModel& operator=(LoadedModel&&);

  std::shared_ptr<const model::Checkpoint> checkpoint;
  std::shared_ptr<const model::Gemma4Model> math;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;
  std::unique_ptr<Frontend> frontend;  // Uses `tokenizer`.
  StopTokenDefaults stop_defaults;
  ModelInfo info;  // name and instances are the caller's to fill.
  // The vision/audio towers when the checkpoint has them (null for a
  // text-only model); reads `checkpoint`'s weights.
  std::shared_ptr<const MediaEncoder> media;
};

absl::StatusOr<LoadedModel> LoadModel(const ModelSpec& spec);

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_MODEL_LOADER_H_
