// Bookkeeping of the paged KV cache's blocks: which physical block ids are
// free, who references them (refcounts, so beams and prefix-cache hits share
// blocks), and a prefix cache that maps the hash of a full block's tokens
// (chained with all tokens before it) to the block that holds their K/V.
//
// There are two pools of block ids (model/decoder/kv_cache.h):
//  - kFull: blocks of the layers that attend to the whole sequence; a
//    sequence holds them for every position it has;
//  - kWindowed: blocks of the sliding-window layers; a sequence holds them
//    only for the positions some future query can still see (its last
//    `window` positions), and returns the older ones as it advances.
// A manager built with one block count has only the full pool (window 0):
// the model's windowed layers then share the full blocks' ids.
//
// The KV bytes themselves live in the model's preallocated pools; this class
// only hands out block ids in [0, num_blocks(kind)). A block whose refcount
// drops to zero and that carries a published hash stays in the prefix cache
// as "evictable"; it is reused (least recently released first) only when no
// free block of its pool is left, so repeated prompts hit as long as memory
// allows.
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

enum class BlockKind { kFull = 0, kWindowed = 1 };

// The shape of an instance's KV pools.
struct KvPoolSizes {
  int block_size = 16;
  int full_blocks = 0;
  // Blocks of the sliding-window layers and their window; 0 blocks: the
  // model has no such layers, or they use the full blocks' ids.
  int windowed_blocks = 0;
  int window = 0;
};

class BlockManager {
 public:
  // `num_blocks` physical blocks of `block_size` token positions each, in
  // the full pool only. With `enable_prefix_cache` false, lookups always
  // miss and Publish() is a no-op.
  BlockManager(int num_blocks, int block_size, bool enable_prefix_cache);
  // Both pools (a windowed pool only when sizes.windowed_blocks > 0 and
  // sizes.window > 0).
  BlockManager(const KvPoolSizes& sizes, bool enable_prefix_cache);
  BlockManager(const BlockManager&) = delete;
  BlockManager& operator=(const BlockManager&) = delete;

  int block_size() const { return block_size_; }
  // True when sliding-window layers have their own pool.
  bool has_windowed() const { return window_ > 0; }
  // The window of the windowed pool's layers (0: no windowed pool).
  int window() const { return window_; }

  // Pool sizes and use. The kind-less forms are about the full pool.
  int num_blocks(BlockKind kind = BlockKind::kFull) const {
    return pool(kind).num_blocks;
  }
  // Blocks with refcount > 0.
  int num_used_blocks(BlockKind kind = BlockKind::kFull) const {
    return pool(kind).num_used;
  }
  // Blocks Allocate() can still hand out (free + evictable cached ones).
  int num_available_blocks(BlockKind kind = BlockKind::kFull) const {
    return pool(kind).num_blocks - pool(kind).num_used;
  }
  // Cached blocks that nobody references (subset of the available ones).
  int num_evictable_blocks(BlockKind kind = BlockKind::kFull) const {
    return static_cast<int>(pool(kind).evictable.size());
  }

  // A fresh block with refcount 1 (its content is garbage), evicting the
  // least recently released cached block if no free one is left. nullopt
  // when every block of the pool is referenced.
  std::optional<int> Allocate(BlockKind kind = BlockKind::kFull);
  // Adds a reference (a beam fork, a second user of a cached block).
  void AddRef(int block, BlockKind kind = BlockKind::kFull);
  // Drops a reference. At zero the block becomes free, or evictable when it
  // carries a published hash.
  void Release(int block, BlockKind kind = BlockKind::kFull);
  int RefCount(int block, BlockKind kind = BlockKind::kFull) const;

  // Hash of a full block of tokens given the hash of everything before it
  // (kRootHash for the first block).
  static constexpr uint64_t kRootHash = 0x9e3779b97f4a7c15ULL;
  static uint64_t ChainHash(uint64_t parent_hash,
                            absl::Span<const int32_t> tokens);

  // Looks up a full block in the full pool. On a hit the block gains a
  // reference (and leaves the evictable list) and its id is returned.
  // Counted in the statistics. `tokens` is compared exactly, so a hash
  // collision can never hit.
  std::optional<int> Lookup(uint64_t hash, absl::Span<const int32_t> tokens);
  // The cached block of `kind` holding `tokens` under `hash`, without
  // taking a reference or counting (nullopt when the cache is off).
  std::optional<int> Find(BlockKind kind, uint64_t hash,
                          absl::Span<const int32_t> tokens) const;
  // Adds to the statistics: `queries` full blocks looked up, `hits` reused.
  void CountLookups(int queries, int hits);
  // Records that `block` (referenced by the caller) now holds the K/V of the
  // full block `tokens` whose chain hash is `hash`. If another block already
  // holds that content, nothing changes.
  void Publish(int block, uint64_t hash, absl::Span<const int32_t> tokens,
               BlockKind kind = BlockKind::kFull);
  // True when `block` is registered in the prefix cache.
  bool IsPublished(int block, BlockKind kind = BlockKind::kFull) const;

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
  struct Pool {
    int num_blocks = 0;
    int num_used = 0;
    std::vector<BlockInfo> info;
    std::vector<int> free;     // Stack of never-cached free blocks.
    std::list<int> evictable;  // Released cached blocks, oldest first.
    absl::flat_hash_map<uint64_t, int> by_hash;
  };

  static void InitPool(Pool& p, int num_blocks);
  Pool& pool(BlockKind kind) { return pools_[static_cast<int>(kind)]; }
  const Pool& pool(BlockKind kind) const {
    return pools_[static_cast<int>(kind)];
  }
  static void Unpublish(Pool& p, int block);

  const int block_size_;
  const int window_;
  const bool prefix_cache_;
  Pool pools_[2];
  int64_t prefix_queries_ = 0;
  int64_t prefix_hits_ = 0;
};

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_BLOCK_MANAGER_H_
