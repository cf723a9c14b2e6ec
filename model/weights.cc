#include "model/weights.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace gemma::model {

void WeightStore::AddView(std::string name, TensorView view,
                          std::string source,
                          std::shared_ptr<const void> owner) {
  entries_[std::move(name)] =
      Entry{std::move(view), std::move(source), std::move(owner)};
}

void WeightStore::AddOwned(std::string name, DType dtype,
                           std::vector<int64_t> shape,
                           std::vector<uint8_t> bytes, std::string source) {
  auto buffer = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  TensorView view;
  view.dtype = dtype;
  view.shape = std::move(shape);
  view.data = buffer->data();
  entries_[std::move(name)] =
      Entry{std::move(view), std::move(source), std::move(buffer)};
}

bool WeightStore::Has(absl::string_view name) const {
  return entries_.find(name) != entries_.end();
}

absl::StatusOr<TensorView> WeightStore::Get(absl::string_view name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    return absl::NotFoundError(absl::StrCat("missing tensor ", name));
  }
  return it->second.view;
}

absl::StatusOr<TensorView> WeightStore::Get(
    absl::string_view name, const std::vector<int64_t>& shape) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    return absl::NotFoundError(absl::StrCat("missing tensor ", name));
  }
  const TensorView& v = it->second.view;
  if (v.shape != shape) {
    TensorView want;
    want.shape = shape;
    return absl::InvalidArgumentError(absl::StrCat(
        it->second.source, ": tensor ", name, " has shape ", v.ShapeString(),
        ", expected ", want.ShapeString()));
  }
  return v;
}

std::string WeightStore::SourceOf(absl::string_view name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? std::string() : it->second.source;
}

std::vector<std::string> WeightStore::Names() const {
  std::vector<std::string> names;
  names.reserve(entries_.size());
  for (const auto& [name, entry] : entries_) names.push_back(name);
  return names;
}

void WeightStore::Release(absl::string_view name) {
  auto it = entries_.find(name);
  if (it != entries_.end()) entries_.erase(it);
}

size_t WeightStore::TotalBytes() const {
  size_t total = 0;
  for (const auto& [name, entry] : entries_) total += entry.view.nbytes();
  return total;
}

}  // namespace gemma::model
