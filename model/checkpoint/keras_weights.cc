// Keras preset weights -> canonical tensors (spec §7.2/§7.3 mappings).
#include <cstring>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "model/checkpoint/keras_h5.h"
#include "model/checkpoint/keras_layout.h"
#include "model/checkpoint/permute.h"
#include "model/checkpoint/tensor_spec.h"
#include "model/checkpoint/weight_mapping.h"

namespace gemma::model {
namespace {

std::string ShapeString(const std::vector<int64_t>& shape) {
  TensorView v;
  v.shape = shape;
  return v.ShapeString();
}

// Reads one source dataset and checks its shape.
absl::StatusOr<RawTensor> ReadSource(KerasH5Reader& reader,
                                     const KerasSource& src,
                                     const std::vector<int64_t>& want,
                                     const std::string& canonical) {
  absl::StatusOr<RawTensor> t = reader.Read(src.group, src.index);
  if (!t.ok()) {
    // A dataset the config requires but the files lack is a malformed
    // checkpoint (INVALID_ARGUMENT), not a missing file.
    const absl::StatusCode code = absl::IsNotFound(t.status())
                                      ? absl::StatusCode::kInvalidArgument
                                      : t.status().code();
    return absl::Status(
        code, absl::StrCat(t.status().message(), " (needed for tensor ",
                           canonical, ")"));
  }
  if (t->view.shape != want) {
    return absl::InvalidArgumentError(
        absl::StrCat(t->source, ": dataset ", t->name, " (tensor ", canonical,
                     ") has shape ", t->view.ShapeString(), ", expected ",
                     ShapeString(want)));
  }
  return t;
}

absl::StatusOr<RawTensor> Convert(KerasH5Reader& reader,
                                  const std::string& canonical,
                                  const KerasBinding& b,
                                  const std::vector<int64_t>& shape) {
  std::vector<RawTensor> parts;
  for (const KerasSource& src : b.sources) {
    GEMMA_ASSIGN_OR_RETURN(RawTensor t,
                           ReadSource(reader, src, b.keras_shape, canonical));
    if (!parts.empty() && t.view.dtype != parts[0].view.dtype) {
      return absl::InvalidArgumentError(
          absl::StrCat(t.source, ": dataset ", t.name, " (tensor ", canonical,
                       ") differs in dtype from ", parts[0].name));
    }
    parts.push_back(std::move(t));
  }
  RawTensor& first = parts[0];
  const std::string source = first.source;
  if (b.perm.empty()) {
    first.name = canonical;
    first.view.shape = shape;
    return std::move(first);
  }
  const DType dtype = first.view.dtype;
  const size_t esize = DTypeSize(dtype);
  const size_t part_bytes = first.view.nbytes();
  auto buffer =
      std::make_shared<std::vector<uint8_t>>(part_bytes * parts.size());
  if (parts.size() == 1) {
    PermuteAxes(first.view.data, b.keras_shape, b.perm, esize, buffer->data());
  } else {
    // Expert bank: each part becomes [E, Ie, H]; rows of expert e are the
    // gate's Ie rows, then the up kernel's.
    std::vector<uint8_t> tmp(part_bytes);
    const int64_t experts = b.keras_shape[0];
    const size_t per_expert = part_bytes / experts;
    for (size_t k = 0; k < parts.size(); ++k) {
      PermuteAxes(parts[k].view.data, b.keras_shape, b.perm, esize, tmp.data());
      for (int64_t e = 0; e < experts; ++e) {
        std::memcpy(buffer->data() + (e * parts.size() + k) * per_expert,
                    tmp.data() + e * per_expert, per_expert);
      }
    }
  }
  RawTensor out;
  out.name = canonical;
  out.view.dtype = dtype;
  out.view.shape = shape;
  out.view.data = buffer->data();
  out.source = source;
  out.owner = std::move(buffer);
  return out;
}

}  // namespace

absl::StatusOr<std::vector<RawTensor>> ReadKerasWeights(
    const std::string& dir, const ModelConfig& config, bool skip_vision,
    bool skip_audio) {
  GEMMA_ASSIGN_OR_RETURN(std::unique_ptr<KerasH5Reader> reader,
                         KerasH5Reader::Open(dir));
  const std::map<std::string, KerasBinding> bindings = KerasBindings(config);
  std::vector<RawTensor> out;
  std::set<std::string> used;
  for (const TensorSpec& spec : ExpectedTensors(config)) {
    auto it = bindings.find(spec.name);
    if (it == bindings.end()) {
      return absl::InternalError(
          absl::StrCat("no Keras location known for tensor ", spec.name));
    }
    GEMMA_ASSIGN_OR_RETURN(RawTensor t,
                           Convert(*reader, spec.name, it->second, spec.shape));
    for (const KerasSource& s : it->second.sources) {
      used.insert(absl::StrCat(s.group, "/", s.index));
    }
    out.push_back(std::move(t));
  }
  // Anything else in the files is a tensor the config does not explain.
  GEMMA_ASSIGN_OR_RETURN(auto datasets, reader->ListDatasets());
  for (const auto& [path, file] : datasets) {
    if (used.count(path)) continue;
    if ((skip_vision && absl::StartsWith(path, kKerasVisionRoot)) ||
        (skip_audio && absl::StartsWith(path, kKerasAudioRoot))) {
      continue;  // A tower the caller chose not to load.
    }
    return absl::InvalidArgumentError(
        absl::StrCat(file, ": unexpected dataset ", path,
                     " (not part of the model its config.json describes)"));
  }
  return out;
}

}  // namespace gemma::model
