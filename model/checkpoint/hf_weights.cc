// Hugging Face tensor names -> canonical names (spec §7.3 prefixes).
#include <set>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "model/checkpoint/tensor_spec.h"
#include "model/checkpoint/weight_mapping.h"

namespace gemma::model {

absl::StatusOr<std::vector<RawTensor>> CanonicalizeHfTensors(
    std::vector<RawTensor> tensors, bool text_only_export) {
  std::set<std::string> names;
  for (const RawTensor& t : tensors) names.insert(t.name);
  // Prefix probing as keras-hub does: multimodal configs keep text tensors
  // under model.language_model. (or language_model.); text-only exports
  // under model., language_model. or nothing.
  std::string text_prefix;
  const std::vector<std::string> probes =
      text_only_export
          ? std::vector<std::string>{"model.language_model.", "model.",
                                     "language_model.", ""}
          : std::vector<std::string>{"model.language_model.", "language_model.",
                                     "model.", ""};
  bool found = false;
  for (const std::string& p : probes) {
    if (names.count(p + "embed_tokens.weight")) {
      text_prefix = p;
      found = true;
      break;
    }
  }
  if (!found) {
    const std::string source = tensors.empty() ? "" : tensors[0].source + ": ";
    return absl::InvalidArgumentError(absl::StrCat(
        source,
        "no token embedding found (looked for "
        "model.language_model.embed_tokens.weight and the text-only "
        "forms model./language_model./no prefix)"));
  }
  static constexpr const char* kTowerRoots[] = {
      "vision_tower.", "embed_vision.", "audio_tower.", "embed_audio."};
  std::set<std::string> out_names;
  for (RawTensor& t : tensors) {
    std::string name = t.name;
    bool is_tower = false;
    for (const char* root : kTowerRoots) {
      if (absl::StartsWith(name, root)) {
        name = "model." + name;
        is_tower = true;
      } else if (absl::StartsWith(name, std::string("model.") + root)) {
        is_tower = true;
      }
    }
    if (!is_tower && name != "lm_head.weight" &&
        absl::StartsWith(name, text_prefix)) {
      name = absl::StrCat(kTextPrefix, name.substr(text_prefix.size()));
    }
    if (absl::EndsWith(name, ".layer_scalar") && t.view.shape.empty()) {
      t.view.shape = {1};
    }
    if (!out_names.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(t.source, ": tensor ", t.name, " maps to ", name,
                       ", which another tensor already has"));
    }
    t.name = std::move(name);
  }
  return tensors;
}

}  // namespace gemma::model
