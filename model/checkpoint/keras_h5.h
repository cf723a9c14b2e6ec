// Reader of Keras 3 weight files (spec §7.2): model.weights.h5, or the
// sharded form model.weights.json + model_NNNNN.weights.h5, resolving each
// dataset by its HDF5 path (never by `name` attributes) and, for shards, by
// looking in every file the index lists for the dataset's `vars` group.
//
// float32 (<f4) and bfloat16 (2-byte opaque with attribute dtype="bfloat16")
// datasets are supported. Contiguous unfiltered datasets are handed out as
// views into the mapped file (no copy); others are read into owned buffers.
// Thread-safety: libhdf5 (serial build) is not thread-safe; use one reader
// from one thread. Returned tensors own or share what they point to and
// outlive the reader.
#ifndef GEMMA_MODEL_CHECKPOINT_KERAS_H5_H_
#define GEMMA_MODEL_CHECKPOINT_KERAS_H5_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/mapped_file.h"
#include "model/checkpoint/raw_tensor.h"

namespace gemma::model {

class KerasH5Reader {
 public:
  // Opens `dir`/model.weights.h5 if present, else `dir`/model.weights.json
  // and its shards. Checks each file is HDF5 with a /layers group.
  static absl::StatusOr<std::unique_ptr<KerasH5Reader>> Open(
      const std::string& dir);
  ~KerasH5Reader();
  KerasH5Reader(const KerasH5Reader&) = delete;
  KerasH5Reader& operator=(const KerasH5Reader&) = delete;

  // Reads dataset `group`/`index` (group like "/layers/dense/vars").
  // NOT_FOUND when absent. The tensor's name is set to the dataset path.
  absl::StatusOr<RawTensor> Read(const std::string& group, int index);

  // Every dataset path of every file (e.g. "/layers/dense/vars/0"), with
  // the file holding it.
  absl::StatusOr<std::map<std::string, std::string>> ListDatasets();

  // A file name for messages ("dir/model.weights.h5" or the index).
  const std::string& description() const { return description_; }

 private:
  struct File {
    std::string path;
    int64_t id = -1;  // hid_t
    std::shared_ptr<MappedFile> mapped;
  };
  KerasH5Reader() = default;
  absl::Status AddFile(const std::string& path);
  absl::StatusOr<RawTensor> ReadFrom(File& file, const std::string& path);

  std::string description_;
  std::vector<File> files_;
  bool sharded_ = false;
  // Sharded: vars group path -> indices into files_.
  std::map<std::string, std::vector<size_t>> group_files_;
};

}  // namespace gemma::model

#endif  // GEMMA_MODEL_CHECKPOINT_KERAS_H5_H_
