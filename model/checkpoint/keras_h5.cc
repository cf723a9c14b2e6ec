#include "model/checkpoint/keras_h5.h"

#include <hdf5.h>
#include <sys/stat.h>

#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "model/checkpoint/hdf5_handle.h"
#include "model/checkpoint/json_util.h"

namespace gemma::model {
namespace {

static_assert(std::is_same_v<hid_t, int64_t>, "hid_t is expected to be int64");

using Handle = Hdf5Handle;

// Runs `f` with libhdf5's error printing off (the library prints its error
// stack to stderr by default; our Status carries the message instead).
template <typename F>
auto Quiet(F&& f) {
  H5E_auto2_t func = nullptr;
  void* data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &func, &data);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  auto result = f();
  H5Eset_auto2(H5E_DEFAULT, func, data);
  return result;
}

// True if every component of `path` exists as a link in `file`.
bool PathExists(hid_t file, const std::string& path) {
  std::string prefix;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    absl::StrAppend(&prefix, "/", part);
    if (Quiet([&] { return H5Lexists(file, prefix.c_str(), H5P_DEFAULT); }) <=
        0) {
      return false;
    }
  }
  return true;
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The string value of attribute `name` of `obj`, or "" if absent.
std::string StringAttribute(hid_t obj, const char* name) {
  if (Quiet([&] { return H5Aexists(obj, name); }) <= 0) return "";
  Handle attr(Quiet([&] { return H5Aopen(obj, name, H5P_DEFAULT); }), H5Aclose);
  if (!attr.ok()) return "";
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (!type.ok() || H5Tget_class(type.get()) != H5T_STRING) return "";
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.get()) != 1) return "";
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    char* value = nullptr;
    if (Quiet([&] { return H5Aread(attr.get(), mem.get(), &value); }) < 0 ||
        value == nullptr) {
      return "";
    }
    std::string out(value);
    H5free_memory(value);
    return out;
  }
  const size_t size = H5Tget_size(type.get());
  if (size == 0 || size > 4096) return "";
  std::string buf(size, '\0');
  if (Quiet([&] { return H5Aread(attr.get(), type.get(), buf.data()); }) < 0) {
    return "";
  }
  return std::string(buf.c_str());
}

herr_t CollectDataset(hid_t, const char* name, const H5O_info_t* info,
                      void* out) {
  if (info->type == H5O_TYPE_DATASET) {
    static_cast<std::vector<std::string>*>(out)->push_back(
        absl::StrCat("/", name));
  }
  return 0;
}

}  // namespace

KerasH5Reader::~KerasH5Reader() {
  for (File& f : files_) {
    if (f.id >= 0) H5Fclose(f.id);
  }
}

absl::Status KerasH5Reader::AddFile(const std::string& path) {
  if (!FileExists(path)) {
    return absl::NotFoundError(
        absl::StrCat("weights file ", path, " does not exist"));
  }
  if (Quiet([&] { return H5Fis_hdf5(path.c_str()); }) <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not an HDF5 file (truncated or corrupt?)"));
  }
  File f;
  f.path = path;
  f.id =
      Quiet([&] { return H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT); });
  if (f.id < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": libhdf5 cannot open it (truncated or corrupt?)"));
  }
  files_.push_back(f);  // Closed by the destructor from here on.
  if (!PathExists(f.id, "/layers")) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a Keras weights file (no /layers group)"));
  }
  GEMMA_ASSIGN_OR_RETURN(std::unique_ptr<MappedFile> mapped,
                         MappedFile::Open(path));
  files_.back().mapped = std::move(mapped);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<KerasH5Reader>> KerasH5Reader::Open(
    const std::string& dir) {
  std::unique_ptr<KerasH5Reader> r(new KerasH5Reader());
  const std::string single = dir + "/model.weights.h5";
  if (FileExists(single)) {
    r->description_ = single;
    GEMMA_RETURN_IF_ERROR(r->AddFile(single));
    return r;
  }
  const std::string index_path = dir + "/model.weights.json";
  if (!FileExists(index_path)) {
    return absl::NotFoundError(
        absl::StrCat(dir,
                     ": Keras preset has neither model.weights.h5 nor "
                     "model.weights.json"));
  }
  r->description_ = index_path;
  r->sharded_ = true;
  GEMMA_ASSIGN_OR_RETURN(json_util::Json index,
                         json_util::ParseFile(index_path));
  if (!index.is_object() || !index.contains("weight_map") ||
      !index["weight_map"].is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(index_path, ": needs an object \"weight_map\""));
  }
  std::map<std::string, size_t> file_index;
  for (auto it = index["weight_map"].begin(); it != index["weight_map"].end();
       ++it) {
    std::vector<std::string> names;
    if (it.value().is_string()) {
      names.push_back(it.value().get<std::string>());
    } else if (it.value().is_array()) {
      for (const auto& v : it.value()) {
        if (!v.is_string()) names.clear();
        if (!v.is_string()) break;
        names.push_back(v.get<std::string>());
      }
    }
    if (names.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(index_path, ": weight_map entry ", it.key(),
                       " must be a file name or a list of file names"));
    }
    std::vector<size_t>& list = r->group_files_[it.key()];
    for (const std::string& name : names) {
      if (name.empty() || name.find('/') != std::string::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat(index_path, ": shard name \"", name,
                         "\" must be a plain file name"));
      }
      auto found = file_index.find(name);
      if (found == file_index.end()) {
        GEMMA_RETURN_IF_ERROR(r->AddFile(dir + "/" + name));
        found = file_index.emplace(name, r->files_.size() - 1).first;
      }
      list.push_back(found->second);
    }
  }
  return r;
}

absl::StatusOr<RawTensor> KerasH5Reader::Read(const std::string& group,
                                              int index) {
  const std::string path = absl::StrCat(group, "/", index);
  if (!sharded_) {
    if (!PathExists(files_[0].id, path)) {
      return absl::NotFoundError(
          absl::StrCat(files_[0].path, ": no dataset ", path));
    }
    return ReadFrom(files_[0], path);
  }
  auto it = group_files_.find(group);
  if (it == group_files_.end()) {
    return absl::NotFoundError(
        absl::StrCat(description_, ": group ", group, " is not listed"));
  }
  for (size_t f : it->second) {
    if (PathExists(files_[f].id, path)) return ReadFrom(files_[f], path);
  }
  return absl::NotFoundError(absl::StrCat(description_, ": dataset ", path,
                                          " is in none of the files listed"));
}

absl::StatusOr<RawTensor> KerasH5Reader::ReadFrom(File& file,
                                                  const std::string& path) {
  auto bad = [&](absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.path, ": dataset ", path, ": ", what));
  };
  Handle ds(Quiet([&] { return H5Dopen2(file.id, path.c_str(), H5P_DEFAULT); }),
            H5Dclose);
  if (!ds.ok()) return bad("cannot open (not a dataset?)");
  Handle type(H5Dget_type(ds.get()), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.get());
  const size_t type_size = H5Tget_size(type.get());
  const std::string dtype_attr = StringAttribute(ds.get(), "dtype");
  DType dtype;
  bool native_layout = true;
  if (dtype_attr == "bfloat16") {
    if (type_size != 2 || (cls != H5T_OPAQUE && cls != H5T_INTEGER)) {
      return bad("marked bfloat16 but its elements are not 2-byte opaque");
    }
    dtype = DType::kBF16;
  } else if (cls == H5T_FLOAT && type_size == 4) {
    dtype = DType::kF32;
    native_layout = H5Tget_order(type.get()) == H5T_ORDER_LE;
  } else {
    return bad(absl::StrCat("unsupported element type (class ",
                            static_cast<int>(cls), ", ", type_size,
                            " bytes, dtype attribute \"", dtype_attr,
                            "\"); only float32 and bfloat16 are supported"));
  }
  Handle space(H5Dget_space(ds.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 8) return bad("unreadable dataspace");
  hsize_t dims[8] = {0};
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  std::vector<int64_t> shape(dims, dims + rank);
  RawTensor t;
  t.name = path;
  t.source = file.path;
  t.view.dtype = dtype;
  t.view.shape = shape;
  const size_t nbytes = t.view.nbytes();

  Handle dcpl(H5Dget_create_plist(ds.get()), H5Pclose);
  const bool contiguous = H5Pget_layout(dcpl.get()) == H5D_CONTIGUOUS &&
                          H5Pget_nfilters(dcpl.get()) == 0;
  if (contiguous && native_layout && nbytes > 0) {
    const haddr_t offset = Quiet([&] { return H5Dget_offset(ds.get()); });
    if (offset != HADDR_UNDEF) {
      if (offset > file.mapped->size() ||
          nbytes > file.mapped->size() - offset) {
        return bad(absl::StrCat("data at offset ", offset, " (", nbytes,
                                " bytes) runs past the end of the file (",
                                file.mapped->size(), " bytes): truncated?"));
      }
      const uint8_t* data = file.mapped->data() + offset;
      if (IsAligned(data, dtype)) {
        t.view.data = data;
        t.owner = file.mapped;
        return t;
      }
      return CopyToOwned(path, dtype, shape, data, nbytes, file.path);
    }
  }
  auto buffer = std::make_shared<std::vector<uint8_t>>(nbytes);
  hid_t mem_type = dtype == DType::kF32 ? H5T_NATIVE_FLOAT : type.get();
  if (nbytes > 0 && Quiet([&] {
                      return H5Dread(ds.get(), mem_type, H5S_ALL, H5S_ALL,
                                     H5P_DEFAULT, buffer->data());
                    }) < 0) {
    return bad("libhdf5 cannot read the data (truncated or corrupt file?)");
  }
  t.view.data = buffer->data();
  t.owner = std::move(buffer);
  return t;
}

absl::StatusOr<std::map<std::string, std::string>>
KerasH5Reader::ListDatasets() {
  std::map<std::string, std::string> out;
  for (const File& f : files_) {
    std::vector<std::string> paths;
    if (Quiet([&] {
          return H5Ovisit(f.id, H5_INDEX_NAME, H5_ITER_NATIVE, CollectDataset,
                          &paths);
        }) < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(f.path, ": cannot list its datasets (corrupt file?)"));
    }
    for (std::string& p : paths) out.emplace(std::move(p), f.path);
  }
  return out;
}

}  // namespace gemma::model
