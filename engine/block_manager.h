// Bookkeeping of the paged KV cache's blocks: which physical block ids are
// free, who references them (refcounts, so beams and prefix-cache hits share
// blocks), and a prefix cache that maps the hash of a full block's tokens
// (chained with all tokens before it) to the block that holds their K/V.
//
// The KV bytes themselves live in the model's preallocated pool; this class
// only hands out block ids in [0, num_blocks). A block whose refcount drops
// to zero and that carries a published hash stays in the prefix cache as
// "evictable"; it is reused (least recently released first) only when no
// free block is left, so repeated prompts hit as long as memory allows.
//
// Thread-safety: not thread-safe; owned by one engine thread.
#ifndef GEMMA_ENGINE_BLOCK_MANAGER_H_
#define GEMMA_ENGINE_BLOCK_MANAGER_H_

#include <cstdint>
#include <list>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"

namespace gemma::engine {

class BlockManager {
 public:
  // `num_blocks` physical blocks of `block_size` token positions each.
  // With `enable_prefix_cache` false, Lookup() always misses and Publish()
  // is a no-op.
  BlockManager(int num_blocks, int block_size, bool enable_prefix_cache);
  BlockManager(const BlockManager&) = delete;
  BlockManager& operator=(const BlockManager&) = delete;

  int num_blocks() const { return num_blocks_; }
  int block_size() const { return block_size_; }
  // Blocks with refcount > 0.
  int num_used_blocks() const { return num_used_; }
  // Blocks Allocate() can still hand out (free + evictable cached ones).
  int num_available_blocks() const { return num_blocks_ - num_used_; }
  // Cached blocks that nobody references (subset of the available ones).
  int num_evictable_blocks() const {
    return static_cast<int>(evictable_.size());
  }

  // A fresh block with refcount 1 (its content is garbage), evicting the
  // least recently released cached block if no free one is left. nullopt
  // when every block is referenced.
  std::optional<int> Allocate();
  // Adds a reference (a beam fork, a second user of a cached block).
  void AddRef(int block);
  // Drops a reference. At zero the block becomes free, or evictable when it
  // carries a published hash.
  void Release(int block);
  int RefCount(int block) const;

  // Hash of a full block of tokens given the hash of everything before it
  // (kRootHash for the first block).
  static constexpr uint64_t kRootHash = 0x9e3779b97f4a7c15ULL;
  static uint64_t ChainHash(uint64_t parent_hash,
                            absl::Span<const int32_t> tokens);

  // Looks up a full block. On a hit the block gains a reference (and leaves
  // the evictable list) and its id is returned. Counted in the statistics.
  // `tokens` is compared exactly, so a hash collision can never hit.
  std::optional<int> Lookup(uint64_t hash, absl::Span<const int32_t> tokens);
  // Records that `block` (referenced by the caller) now holds the K/V of the
  // full block `tokens` whose chain hash is `hash`. If another block already
  // holds that content, nothing changes.
  void Publish(int block, uint64_t hash, absl::Span<const int32_t> tokens);
  // True when `block` is registered in the prefix cache.
  bool IsPublished(int block) const;

  int64_t prefix_queries() const { return prefix_queries_; }
  int64_t prefix_hits() const { return prefix_hits_; }

 private:
  struct BlockInfo {
    int refcount = 0;
    bool published = false;
    uint64_t hash = 0;
    std::vector<int32_t> tokens;  // Content of a published block.
    std::list<int>::iterator evictable_it;
  };

  void Unpublish(int block);

  const int num_blocks_;
  const int block_size_;
  const bool prefix_cache_;
  std::vector<BlockInfo> info_;
  std::vector<int> free_;     // Stack of never-cached free blocks.
  std::list<int> evictable_;  // Released cached blocks, oldest first.
  absl::flat_hash_map<uint64_t, int> by_hash_;
  int num_used_ = 0;
  int64_t prefix_queries_ = 0;
  int64_t prefix_hits_ = 0;
};

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_BLOCK_MANAGER_H_
