#include "engine/block_manager.h"

#include <algorithm>

#include "base/logging.h"

namespace gemma::engine {

BlockManager::BlockManager(int num_blocks, int block_size,
                           bool enable_prefix_cache)
    : BlockManager(KvPoolSizes{block_size, num_blocks, 0, 0},
                   enable_prefix_cache) {}

BlockManager::BlockManager(const KvPoolSizes& sizes, bool enable_prefix_cache)
    : block_size_(sizes.block_size),
      window_(sizes.windowed_blocks > 0 && sizes.window > 0 ? sizes.window : 0),
      prefix_cache_(enable_prefix_cache) {
  CHECK_GE(sizes.full_blocks, 0);
  CHECK_GE(sizes.windowed_blocks, 0);
  CHECK_GT(sizes.block_size, 0);
  InitPool(pool(BlockKind::kFull), sizes.full_blocks);
  InitPool(pool(BlockKind::kWindowed), window_ > 0 ? sizes.windowed_blocks : 0);
}

void BlockManager::InitPool(Pool& p, int num_blocks) {
  p.num_blocks = num_blocks;
  p.info.resize(num_blocks);
  p.free.reserve(num_blocks);
  // Hand out low ids first.
  for (int i = num_blocks - 1; i >= 0; --i) p.free.push_back(i);
}

std::optional<int> BlockManager::Allocate(BlockKind kind) {
  Pool& p = pool(kind);
  int block;
  if (!p.free.empty()) {
    block = p.free.back();
    p.free.pop_back();
  } else if (!p.evictable.empty()) {
    block = p.evictable.front();
    p.evictable.pop_front();
    Unpublish(p, block);
  } else {
    return std::nullopt;
  }
  BlockInfo& b = p.info[block];
  DCHECK(b.refcount == 0);
  b.refcount = 1;
  ++p.num_used;
  return block;
}

void BlockManager::AddRef(int block, BlockKind kind) {
  Pool& p = pool(kind);
  CHECK(block >= 0 && block < p.num_blocks) << block;
  BlockInfo& b = p.info[block];
  if (b.refcount == 0) {
    // Only a published (evictable) block may be revived.
    CHECK(b.published) << "AddRef on a free block " << block;
    p.evictable.erase(b.evictable_it);
    ++p.num_used;
  }
  ++b.refcount;
}

void BlockManager::Release(int block, BlockKind kind) {
  Pool& p = pool(kind);
  CHECK(block >= 0 && block < p.num_blocks) << block;
  BlockInfo& b = p.info[block];
  CHECK_GT(b.refcount, 0) << "double release of block " << block;
  if (--b.refcount > 0) return;
  --p.num_used;
  if (b.published) {
    b.evictable_it = p.evictable.insert(p.evictable.end(), block);
  } else {
    p.free.push_back(block);
  }
}

int BlockManager::RefCount(int block, BlockKind kind) const {
  const Pool& p = pool(kind);
  CHECK(block >= 0 && block < p.num_blocks) << block;
  return p.info[block].refcount;
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

std::optional<int> BlockManager::Find(BlockKind kind, uint64_t hash,
                                      absl::Span<const int32_t> tokens) const {
  if (!prefix_cache_) return std::nullopt;
  const Pool& p = pool(kind);
  auto it = p.by_hash.find(hash);
  if (it == p.by_hash.end()) return std::nullopt;
  const BlockInfo& b = p.info[it->second];
  if (!std::equal(b.tokens.begin(), b.tokens.end(), tokens.begin(),
                  tokens.end())) {
    return std::nullopt;
  }
  return it->second;
}

std::optional<int> BlockManager::Lookup(uint64_t hash,
                                        absl::Span<const int32_t> tokens) {
  if (!prefix_cache_) return std::nullopt;
  std::optional<int> block = Find(BlockKind::kFull, hash, tokens);
  CountLookups(1, block.has_value() ? 1 : 0);
  if (block.has_value()) AddRef(*block);
  return block;
}

void BlockManager::CountLookups(int queries, int hits) {
  prefix_queries_ += queries;
  prefix_hits_ += hits;
}

void BlockManager::Publish(int block, uint64_t hash,
                           absl::Span<const int32_t> tokens, BlockKind kind) {
  if (!prefix_cache_) return;
  Pool& p = pool(kind);
  CHECK(block >= 0 && block < p.num_blocks) << block;
  BlockInfo& b = p.info[block];
  CHECK_GT(b.refcount, 0) << "publishing unreferenced " << block;
  if (b.published) return;
  if (p.by_hash.contains(hash)) return;  // Another block holds this content.
  b.published = true;
  b.hash = hash;
  b.tokens.assign(tokens.begin(), tokens.end());
  p.by_hash[hash] = block;
}

bool BlockManager::IsPublished(int block, BlockKind kind) const {
  return pool(kind).info[block].published;
}

void BlockManager::Unpublish(Pool& p, int block) {
  BlockInfo& b = p.info[block];
  if (!b.published) return;
  auto it = p.by_hash.find(b.hash);
  if (it != p.by_hash.end() && it->second == block) p.by_hash.erase(it);
  b.published = false;
  b.tokens.clear();
}

}  // namespace gemma::engine
