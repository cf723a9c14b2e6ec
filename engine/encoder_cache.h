// A bounded LRU cache of encoder outputs (soft-token rows), keyed by the
// media item's kind and content hash, so identical images or clips sent by
// several requests (at once or shortly after each other) go through the
// vision/audio tower once. The bound is on the bytes of the cached rows; a
// capacity of 0 disables caching. Entries are shared: a caller keeps the
// rows it got alive even after they are evicted.
// Thread-safety: every method may be called from any thread (one lock).
#ifndef GEMMA_ENGINE_ENCODER_CACHE_H_
#define GEMMA_ENGINE_ENCODER_CACHE_H_

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace gemma::engine {

// Soft-token rows of one media item: [rows, width] float32, row-major.
struct SoftTokens {
  int rows = 0;
  int width = 0;
  std::vector<float> values;
  int64_t bytes() const {
    return static_cast<int64_t>(values.size() * sizeof(float));
  }
};

class EncoderCache {
 public:
  explicit EncoderCache(int64_t capacity_bytes);
  EncoderCache(const EncoderCache&) = delete;
  EncoderCache& operator=(const EncoderCache&) = delete;

  // The rows cached under `key` (most recently used from now on), or null.
  std::shared_ptr<const SoftTokens> Get(const std::string& key);
  // Caches `rows` under `key`, evicting least recently used entries until
  // the total fits. Rows larger than the whole capacity are not cached.
  void Put(const std::string& key, std::shared_ptr<const SoftTokens> rows);

  int64_t capacity_bytes() const { return capacity_; }
  int64_t bytes() const;
  int64_t entries() const;

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const SoftTokens>>;

  const int64_t capacity_;
  mutable absl::Mutex mu_;
  std::list<Entry> lru_ ABSL_GUARDED_BY(mu_);  // Most recent first.
  absl::flat_hash_map<std::string, std::list<Entry>::iterator> index_
      ABSL_GUARDED_BY(mu_);
  int64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_ENCODER_CACHE_H_
