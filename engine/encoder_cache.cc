#include "engine/encoder_cache.h"

#include <utility>

namespace gemma::engine {

EncoderCache::EncoderCache(int64_t capacity_bytes)
    : capacity_(capacity_bytes < 0 ? 0 : capacity_bytes) {}

std::shared_ptr<const SoftTokens> EncoderCache::Get(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void EncoderCache::Put(const std::string& key,
                       std::shared_ptr<const SoftTokens> rows) {
  if (rows == nullptr || rows->bytes() > capacity_) return;
  absl::MutexLock lock(&mu_);
  auto it = index_.find(key);
  if (it != index_.end()) {
    bytes_ -= it->second->second->bytes();
    lru_.erase(it->second);
    index_.erase(it);
  }
  bytes_ += rows->bytes();
  lru_.emplace_front(key, std::move(rows));
  index_[key] = lru_.begin();
  while (bytes_ > capacity_ && !lru_.empty()) {
    bytes_ -= lru_.back().second->bytes();
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

int64_t EncoderCache::bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

int64_t EncoderCache::entries() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(lru_.size());
}

}  // namespace gemma::engine
