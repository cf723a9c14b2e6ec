#include "engine/block_manager.h"

#include <algorithm>

#include "base/logging.h"

namespace gemma::engine {

BlockManager::BlockManager(int num_blocks, int block_size,
                           bool enable_prefix_cache)
    : num_blocks_(num_blocks),
      block_size_(block_size),
      prefix_cache_(enable_prefix_cache),
      info_(num_blocks) {
  CHECK_GE(num_blocks, 0);
  CHECK_GT(block_size, 0);
  free_.reserve(num_blocks);
  // Hand out low ids first.
  for (int i = num_blocks - 1; i >= 0; --i) free_.push_back(i);
}

std::optional<int> BlockManager::Allocate() {
  int block;
  if (!free_.empty()) {
    block = free_.back();
    free_.pop_back();
  } else if (!evictable_.empty()) {
    block = evictable_.front();
    evictable_.pop_front();
    Unpublish(block);
  } else {
    return std::nullopt;
  }
  BlockInfo& b = info_[block];
  DCHECK(b.refcount == 0);
  b.refcount = 1;
  ++num_used_;
  return block;
}

void BlockManager::AddRef(int block) {
  CHECK(block >= 0 && block < num_blocks_) << block;
  BlockInfo& b = info_[block];
  if (b.refcount == 0) {
    // Only a published (evictable) block may be revived.
    CHECK(b.published) << "AddRef on a free block " << block;
    evictable_.erase(b.evictable_it);
    ++num_used_;
  }
  ++b.refcount;
}

void BlockManager::Release(int block) {
  CHECK(block >= 0 && block < num_blocks_) << block;
  BlockInfo& b = info_[block];
  CHECK_GT(b.refcount, 0) << "double release of block " << block;
  if (--b.refcount > 0) return;
  --num_used_;
  if (b.published) {
    b.evictable_it = evictable_.insert(evictable_.end(), block);
  } else {
    free_.push_back(block);
  }
}

int BlockManager::RefCount(int block) const {
  CHECK(block >= 0 && block < num_blocks_) << block;
  return info_[block].refcount;
}

uint64_t BlockManager::ChainHash(uint64_t parent_hash,
                                 absl::Span<const int32_t> tokens) {
  // FNV-1a style mixing over the parent hash and the token ids, finished
  // with a splitmix64 avalanche.
  uint64_t h = parent_hash ^ 0xcbf29ce484222325ULL;
  for (int32_t t : tokens) {
    h ^= static_cast<uint32_t>(t);
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

std::optional<int> BlockManager::Lookup(uint64_t hash,
                                        absl::Span<const int32_t> tokens) {
  if (!prefix_cache_) return std::nullopt;
  ++prefix_queries_;
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return std::nullopt;
  const int block = it->second;
  const BlockInfo& b = info_[block];
  if (!std::equal(b.tokens.begin(), b.tokens.end(), tokens.begin(),
                  tokens.end())) {
    return std::nullopt;
  }
  ++prefix_hits_;
  AddRef(block);
  return block;
}

void BlockManager::Publish(int block, uint64_t hash,
                           absl::Span<const int32_t> tokens) {
  if (!prefix_cache_) return;
  CHECK(block >= 0 && block < num_blocks_) << block;
  CHECK_GT(info_[block].refcount, 0) << "publishing unreferenced " << block;
  BlockInfo& b = info_[block];
  if (b.published) return;
  if (by_hash_.contains(hash)) return;  // Another block holds this content.
  b.published = true;
  b.hash = hash;
  b.tokens.assign(tokens.begin(), tokens.end());
  by_hash_[hash] = block;
}

bool BlockManager::IsPublished(int block) const {
  return info_[block].published;
}

void BlockManager::Unpublish(int block) {
  BlockInfo& b = info_[block];
  if (!b.published) return;
  auto it = by_hash_.find(b.hash);
  if (it != by_hash_.end() && it->second == block) by_hash_.erase(it);
  b.published = false;
  b.tokens.clear();
}

}  // namespace gemma::engine
