// WriteKerasWeights: canonical tensors -> a Keras 3 model.weights.h5 with
// the §7.2 paths; float32 as <f4, bfloat16 as 2-byte opaque elements with
// the attribute dtype="bfloat16" (what Keras and h5py write).
#include <hdf5.h>

#include <cstring>
#include <map>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "model/checkpoint/hdf5_handle.h"
#include "model/checkpoint/keras_layout.h"
#include "model/checkpoint/permute.h"
#include "model/checkpoint/weight_mapping.h"

namespace gemma::model {
namespace {

using Handle = Hdf5Handle;

absl::Status WriteDataset(hid_t file, const std::string& path, DType dtype,
                          const std::vector<int64_t>& shape, const void* data,
                          const std::string& file_path) {
  auto fail = [&](const char* what) {
    return absl::InternalError(
        absl::StrCat(file_path, ": cannot ", what, " for dataset ", path));
  };
  Handle space(shape.empty() ? H5Screate(H5S_SCALAR) : [&] {
    std::vector<hsize_t> dims(shape.begin(), shape.end());
    return H5Screate_simple(static_cast<int>(dims.size()), dims.data(),
                            nullptr);
  }(),
               H5Sclose);
  if (!space.ok()) return fail("create dataspace");
  Handle type(dtype == DType::kBF16 ? H5Tcreate(H5T_OPAQUE, 2)
                                    : H5Tcopy(H5T_IEEE_F32LE),
              H5Tclose);
  if (!type.ok()) return fail("create datatype");
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  Handle ds(H5Dcreate2(file, path.c_str(), type.get(), space.get(), lcpl.get(),
                       H5P_DEFAULT, H5P_DEFAULT),
            H5Dclose);
  if (!ds.ok()) return fail("create dataset");
  if (H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    return fail("write data");
  }
  if (dtype == DType::kBF16) {
    Handle str(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(str.get(), H5T_VARIABLE);
    H5Tset_cset(str.get(), H5T_CSET_UTF8);
    Handle aspace(H5Screate(H5S_SCALAR), H5Sclose);
    Handle attr(H5Acreate2(ds.get(), "dtype", str.get(), aspace.get(),
                           H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose);
    const char* value = "bfloat16";
    if (!attr.ok() || H5Awrite(attr.get(), str.get(), &value) < 0) {
      return fail("write the dtype attribute");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteKerasWeights(const std::string& path,
                               const ModelConfig& config,
                               const WeightStore& weights, DType dtype) {
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
              H5Fclose);
  if (!file.ok()) {
    return absl::PermissionDeniedError(absl::StrCat("cannot create ", path));
  }
  for (const auto& [canonical, b] : KerasBindings(config)) {
    GEMMA_ASSIGN_OR_RETURN(TensorView v, weights.Get(canonical));
    if (v.dtype != dtype) {
      return absl::InvalidArgumentError(
          absl::StrCat("tensor ", canonical, " is ", DTypeName(v.dtype),
                       ", expected ", DTypeName(dtype)));
    }
    const size_t esize = DTypeSize(dtype);
    const size_t part_bytes = v.nbytes() / b.sources.size();
    std::vector<uint8_t> part(part_bytes);
    std::vector<uint8_t> keras(part_bytes);
    for (size_t k = 0; k < b.sources.size(); ++k) {
      const void* src = v.data;
      if (b.sources.size() > 1) {
        // Expert bank: canonical [E, 2*Ie, H] -> the k-th half of each
        // expert's rows.
        const int64_t experts = v.shape[0];
        const size_t per_expert = part_bytes / experts;
        for (int64_t e = 0; e < experts; ++e) {
          std::memcpy(part.data() + e * per_expert,
                      static_cast<const uint8_t*>(v.data) +
                          (e * b.sources.size() + k) * per_expert,
                      per_expert);
        }
        src = part.data();
      }
      if (!b.perm.empty()) {
        PermuteAxes(src, PermutedShape(b.keras_shape, b.perm),
                    InversePermutation(b.perm), esize, keras.data());
        src = keras.data();
      }
      const KerasSource& s = b.sources[k];
      GEMMA_RETURN_IF_ERROR(WriteDataset(file.get(),
                                         absl::StrCat(s.group, "/", s.index),
                                         dtype, b.keras_shape, src, path));
    }
  }
  if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) {
    return absl::DataLossError(absl::StrCat("cannot flush ", path));
  }
  return absl::OkStatus();
}

}  // namespace gemma::model
