#include "model/checkpoint/safetensors.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/mapped_file.h"
#include "base/status_macros.h"
#include "model/checkpoint/json_util.h"

namespace gemma::model {
namespace {

using json_util::Json;

constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // safetensors' own limit.

absl::Status Bad(const std::string& path, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": invalid safetensors file: ", what));
}

absl::Status BadTensor(const std::string& path, absl::string_view name,
                       absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": tensor ", name, ": ", what));
}

absl::StatusOr<DType> ParseDType(const std::string& path,
                                 absl::string_view name, const Json& v) {
  if (!v.is_string()) return BadTensor(path, name, "dtype is not a string");
  const std::string s = v.get<std::string>();
  if (s == "F32") return DType::kF32;
  if (s == "BF16") return DType::kBF16;
  return BadTensor(path, name,
                   absl::StrCat("unsupported dtype ", s,
                                " (only F32 and BF16 checkpoints are "
                                "supported)"));
}

struct Extent {
  uint64_t begin, end;
  std::string name;
};

}  // namespace

absl::StatusOr<std::vector<RawTensor>> ReadSafetensorsFile(
    const std::string& path) {
  GEMMA_ASSIGN_OR_RETURN(std::unique_ptr<MappedFile> mapped,
                         MappedFile::Open(path));
  std::shared_ptr<MappedFile> file(std::move(mapped));
  const uint64_t size = file->size();
  if (size < 8) return Bad(path, "file is shorter than its 8-byte header");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | file->data()[i];
  if (header_len > kMaxHeaderBytes || header_len > size - 8) {
    return Bad(path, absl::StrCat("header length ", header_len,
                                  " exceeds the file size ", size,
                                  " (truncated file?)"));
  }
  absl::string_view header_text(reinterpret_cast<const char*>(file->data()) + 8,
                                header_len);
  GEMMA_ASSIGN_OR_RETURN(Json header, json_util::Parse(header_text, path));
  if (!header.is_object()) return Bad(path, "header is not a JSON object");
  const uint64_t data_start = 8 + header_len;
  const uint64_t data_size = size - data_start;
  const uint8_t* data = file->data() + data_start;

  std::vector<RawTensor> tensors;
  std::vector<Extent> extents;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    if (name == "__metadata__") continue;
    const Json& entry = it.value();
    if (!entry.is_object() || !entry.contains("dtype") ||
        !entry.contains("shape") || !entry.contains("data_offsets")) {
      return BadTensor(path, name,
                       "header entry needs dtype, shape and data_offsets");
    }
    GEMMA_ASSIGN_OR_RETURN(DType dtype, ParseDType(path, name, entry["dtype"]));
    const Json& shape_json = entry["shape"];
    if (!shape_json.is_array())
      return BadTensor(path, name, "shape not a list");
    std::vector<int64_t> shape;
    uint64_t numel = 1;
    for (const Json& d : shape_json) {
      if (!d.is_number_unsigned()) {
        return BadTensor(path, name, "shape entries must be non-negative ints");
      }
      const uint64_t x = d.get<uint64_t>();
      if (x > (1ull << 40) || (x > 0 && numel > (1ull << 62) / x)) {
        return BadTensor(path, name, "shape is implausibly large");
      }
      numel *= x;
      shape.push_back(static_cast<int64_t>(x));
    }
    const Json& off = entry["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
        !off[1].is_number_unsigned()) {
      return BadTensor(path, name, "data_offsets must be [begin, end]");
    }
    const uint64_t begin = off[0].get<uint64_t>();
    const uint64_t end = off[1].get<uint64_t>();
    if (begin > end || end > data_size) {
      return BadTensor(
          path, name,
          absl::StrCat("data_offsets [", begin, ", ", end,
                       ") lie outside the data section of ", data_size,
                       " bytes (truncated file or corrupt header)"));
    }
    const uint64_t want = numel * DTypeSize(dtype);
    if (end - begin != want) {
      return BadTensor(path, name,
                       absl::StrCat("holds ", end - begin, " bytes but shape ",
                                    shape_json.dump(), " needs ", want));
    }
    extents.push_back({begin, end, name});
    RawTensor t;
    t.name = name;
    t.view.dtype = dtype;
    t.view.shape = std::move(shape);
    t.view.data = data + begin;
    t.source = path;
    if (!IsAligned(t.view.data, dtype)) {
      t = CopyToOwned(t.name, dtype, t.view.shape, t.view.data, want, path);
    } else {
      t.owner = file;
    }
    tensors.push_back(std::move(t));
  }
  std::sort(extents.begin(), extents.end(),
            [](const Extent& a, const Extent& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < extents.size(); ++i) {
    if (extents[i].begin < extents[i - 1].end) {
      return BadTensor(
          path, extents[i].name,
          absl::StrCat("data overlaps tensor ", extents[i - 1].name));
    }
  }
  return tensors;
}

absl::StatusOr<std::vector<RawTensor>> ReadSafetensorsDir(
    const std::string& dir) {
  const std::string single = dir + "/model.safetensors";
  const std::string index_path = dir + "/model.safetensors.index.json";
  if (std::ifstream(single).good()) return ReadSafetensorsFile(single);
  if (!std::ifstream(index_path).good()) {
    return absl::NotFoundError(absl::StrCat(
        dir, ": no model.safetensors or model.safetensors.index.json"));
  }
  GEMMA_ASSIGN_OR_RETURN(Json index, json_util::ParseFile(index_path));
  if (!index.is_object() || !index.contains("weight_map") ||
      !index["weight_map"].is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(index_path, ": needs an object \"weight_map\""));
  }
  std::map<std::string, std::string> where;  // tensor -> shard file
  std::set<std::string> shards;
  for (auto it = index["weight_map"].begin(); it != index["weight_map"].end();
       ++it) {
    if (!it.value().is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(
          index_path, ": weight_map entry for ", it.key(), " is not a string"));
    }
    const std::string file = it.value().get<std::string>();
    if (file.empty() || file.find('/') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(index_path, ": shard name \"", file, "\" for ", it.key(),
                       " must be a plain file name"));
    }
    where[it.key()] = file;
    shards.insert(file);
  }
  if (where.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(index_path, ": weight_map lists no tensors"));
  }
  std::vector<RawTensor> all;
  std::set<std::string> seen;
  for (const std::string& shard : shards) {
    GEMMA_ASSIGN_OR_RETURN(std::vector<RawTensor> part,
                           ReadSafetensorsFile(dir + "/" + shard));
    for (RawTensor& t : part) {
      auto w = where.find(t.name);
      if (w == where.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            t.source, ": tensor ", t.name, " is not listed in ", index_path));
      }
      if (w->second != shard) {
        return absl::InvalidArgumentError(
            absl::StrCat(t.source, ": tensor ", t.name, " is listed in ",
                         index_path, " as stored in ", w->second));
      }
      seen.insert(t.name);
      all.push_back(std::move(t));
    }
  }
  for (const auto& [name, shard] : where) {
    if (seen.count(name) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(dir, "/", shard, ": tensor ", name, " listed in ",
                       index_path, " is missing from the shard"));
    }
  }
  return all;
}

absl::Status WriteSafetensorsFile(const std::string& path,
                                  const std::vector<RawTensor>& tensors) {
  Json header = Json::object();
  header["__metadata__"] = {{"format", "pt"}};
  uint64_t offset = 0;
  for (const RawTensor& t : tensors) {
    const uint64_t n = t.view.nbytes();
    header[t.name] = {{"dtype", t.view.dtype == DType::kBF16 ? "BF16" : "F32"},
                      {"shape", t.view.shape},
                      {"data_offsets", {offset, offset + n}}};
    offset += n;
  }
  std::string text = header.dump();
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::PermissionDeniedError("cannot create " + path);
  uint8_t len[8];
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(n >> (8 * i));
  out.write(reinterpret_cast<const char*>(len), 8);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  // Header order is alphabetical in nlohmann::json, data order is ours: the
  // offsets above follow `tensors`, so write in that order.
  for (const RawTensor& t : tensors) {
    out.write(static_cast<const char*>(t.view.data),
              static_cast<std::streamsize>(t.view.nbytes()));
  }
  out.close();
  if (!out) return absl::DataLossError("error writing " + path);
  return absl::OkStatus();
}

}  // namespace gemma::model
