// The named tensors of one checkpoint, after loading and validation.
//
// Names and shapes are canonical: the Hugging Face multimodal names and
// shapes of spec §7.3 / multimodal §6 ("model.language_model.layers.3.
// self_attn.q_proj.weight" [Nq*d, H], linear weights [out, in]), whichever
// layout the checkpoint came in. Keras presets are mapped onto these names by
// the Keras reader, so the model code knows one naming scheme.
//
// Storage is either a mapped file region (zero copy) or a buffer the store
// owns (when a layout had to be permuted). The store keeps both alive.
// Thread-safety: built by one thread; immutable and safe to share after.
#ifndef GEMMA_MODEL_WEIGHTS_H_
#define GEMMA_MODEL_WEIGHTS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model/tensor.h"

namespace gemma::model {

class WeightStore {
 public:
  WeightStore() = default;
  WeightStore(const WeightStore&) = delete;
  WeightStore& operator=(const WeightStore&) = delete;
  WeightStore(WeightStore&&) = default;
  WeightStore& operator=(WeightStore&&) = default;

  // Adds a view into memory kept alive by `owner` (e.g. a MappedFile).
  // `source` (a file path) is used in error messages.
  void AddView(std::string name, TensorView view, std::string source,
               std::shared_ptr<const void> owner);
  // Adds a tensor whose bytes the store owns.
  void AddOwned(std::string name, DType dtype, std::vector<int64_t> shape,
                std::vector<uint8_t> bytes, std::string source);

  bool Has(absl::string_view name) const;
  // The tensor, or NOT_FOUND naming the tensor.
  absl::StatusOr<TensorView> Get(absl::string_view name) const;
  // The tensor, checked against `shape`; INVALID_ARGUMENT naming the source
  // file, the tensor, and both shapes when they differ.
  absl::StatusOr<TensorView> Get(absl::string_view name,
                                 const std::vector<int64_t>& shape) const;
  // Where a tensor came from, for messages ("" if unknown).
  std::string SourceOf(absl::string_view name) const;
  std::vector<std::string> Names() const;
  size_t size() const { return entries_.size(); }
  // Drops one tensor (e.g. after the model packed it into its own layout),
  // returning its owned bytes to the allocator.
  void Release(absl::string_view name);
  // Total bytes of all tensors (mapped or owned).
  size_t TotalBytes() const;

 private:
  struct Entry {
    TensorView view;
    std::string source;
    std::shared_ptr<const void> owner;  // Mapped file or owned buffer.
  };
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace gemma::model

#endif  // GEMMA_MODEL_WEIGHTS_H_
