// Structural checks of incoming requests, before any tokenization: required
// fields, UTF-8, media (MIME type, non-empty bytes, placeholder counts),
// chat roles, tool declarations and tool calls (JSON), and the modalities
// the target model accepts.
//
// Every error is INVALID_ARGUMENT and names the offending field path (e.g.
// "prompts[0].chat.messages[2].parts[1].image.mime_type").
// Thread-safety: pure functions.
#ifndef GEMMA_SERVER_REQUEST_VALIDATION_H_
#define GEMMA_SERVER_REQUEST_VALIDATION_H_

#include "absl/status/status.h"
#include "engine/engine.h"
#include "google/protobuf/repeated_field.h"
#include "proto/gemma4_service.pb.h"

namespace gemma::server {

// Most prompts one request may carry.
inline constexpr int kMaxPromptsPerRequest = 64;
// Most images / audio clips / videos one prompt may carry.
inline constexpr int kMaxMediaPerPrompt = 32;

inline constexpr char kImagePlaceholder[] = "<|image|>";
inline constexpr char kAudioPlaceholder[] = "<|audio|>";
inline constexpr char kVideoPlaceholder[] = "<|video|>";

// Checks `model` and `prompts` (1..kMaxPromptsPerRequest, each valid).
absl::Status ValidatePrompts(
    const std::string& model,
    const google::protobuf::RepeatedPtrField<gemma4::v1::Prompt>& prompts);

// One prompt; `field` prefixes error messages (e.g. "prompts[3]").
absl::Status ValidatePrompt(const gemma4::v1::Prompt& prompt,
                            const std::string& field);

// Media the model cannot take (an image or a video for a text-only model,
// audio for a model without an audio tower).
absl::Status CheckModalities(const engine::ModelInfo& model,
                             const gemma4::v1::Prompt& prompt,
                             const std::string& field);

// Number of non-overlapping occurrences of `needle` in `text`.
int CountOccurrences(absl::string_view text, absl::string_view needle);

}  // namespace gemma::server

#endif  // GEMMA_SERVER_REQUEST_VALIDATION_H_
