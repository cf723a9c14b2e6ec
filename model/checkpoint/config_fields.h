// The vision- and audio-tower config fields that both checkpoint layouts
// carry under different key names (Hugging Face config.json vision_config /
// audio_config; the Keras Gemma4Backbone's vision_encoder / audio_encoder
// configs), read by one table-driven reader. Each tower has one table whose
// rows give the Hugging Face key, the Keras key, the config member, the
// default each layout implies for an absent or null key, and whether the
// value must be positive. Also the plain text-decoder fields both layouts
// carry, and the per-layer attention list both spell the same way.
// The config writers use the same tables, so a field read is a field
// written. Thread-safety: pure functions over constant tables.
#ifndef GEMMA_MODEL_CHECKPOINT_CONFIG_FIELDS_H_
#define GEMMA_MODEL_CHECKPOINT_CONFIG_FIELDS_H_

#include "absl/status/statusor.h"
#include "model/checkpoint/json_util.h"
#include "model/config.h"

namespace gemma::model {

// `tower` reads the tower's JSON object; its source names the file and
// section in errors. `layout` is kHuggingFace or kKeras. A value of the
// wrong type, or a size that is not positive, is INVALID_ARGUMENT naming the
// source (and the key, for type errors).
absl::StatusOr<VisionConfig> ParseVisionConfig(const json_util::Reader& tower,
                                               CheckpointLayout layout);
absl::StatusOr<AudioConfig> ParseAudioConfig(const json_util::Reader& tower,
                                             CheckpointLayout layout);

// The text-decoder fields both layouts carry as plain values (sizes, norm
// epsilon, KV sharing, MoE switches), for `layout`; the rest of the text
// config is layout-specific and read by each layout's parser.
absl::Status ReadSharedTextFields(const json_util::Reader& text_config,
                                  CheckpointLayout layout, TextConfig& text);

// The "layer_types" list both layouts write the same way ("full_attention"
// / "sliding_attention" per layer) into text.layer_types. Returns false,
// leaving `text` alone, when the key is absent or null.
absl::StatusOr<bool> ReadLayerTypes(const json_util::Reader& text_config,
                                    TextConfig& text);

// The writers' side of the same tables: sets, in `out`, every field that
// `layout` has a key for to the config's value (a key "a.b" goes into the
// object a, created when absent). Layout-specific keys are the caller's.
void WriteSharedTextFields(const TextConfig& text, CheckpointLayout layout,
                           json_util::Json& out);
void WriteVisionFields(const VisionConfig& vision, CheckpointLayout layout,
                       json_util::Json& out);
void WriteAudioFields(const AudioConfig& audio, CheckpointLayout layout,
                      json_util::Json& out);

// text.layer_types as the "layer_types" list ReadLayerTypes reads.
json_util::Json LayerTypesJson(const TextConfig& text);

}  // namespace gemma::model

#endif  // GEMMA_MODEL_CHECKPOINT_CONFIG_FIELDS_H_
