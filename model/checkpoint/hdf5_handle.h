// Closes an HDF5 handle (file, group, dataset, attribute, type, space) on
// scope exit; shared by the Keras weights reader and writer.
// Thread-safety: a plain owner of one handle; libhdf5 itself (Debian's
// serial build) must not be used from two threads at once.
#ifndef GEMMA_MODEL_CHECKPOINT_HDF5_HANDLE_H_
#define GEMMA_MODEL_CHECKPOINT_HDF5_HANDLE_H_

#include <hdf5.h>

namespace gemma::model {

class Hdf5Handle {
 public:
  Hdf5Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Hdf5Handle() {
    if (id_ >= 0) close_(id_);
  }
  Hdf5Handle(const Hdf5Handle&) = delete;
  Hdf5Handle& operator=(const Hdf5Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

}  // namespace gemma::model

#endif  // GEMMA_MODEL_CHECKPOINT_HDF5_HANDLE_H_
