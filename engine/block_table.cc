#include "engine/block_table.h"

#include <algorithm>

#include "base/logging.h"

namespace gemma::engine {

int BlockTable::BlocksNeeded(const BlockManager& bm, int num_tokens) const {
  const int bs = bm.block_size();
  const int want = (num_tokens + bs - 1) / bs;
  return std::max(0, want - num_blocks());
}

bool BlockTable::Reserve(BlockManager& bm, int num_tokens) {
  const int need = BlocksNeeded(bm, num_tokens);
  if (need == 0) return true;
  if (need > bm.num_available_blocks()) return false;
  for (int i = 0; i < need; ++i) {
    std::optional<int> b = bm.Allocate();
    CHECK(b.has_value()) << "available count was wrong";
    blocks_.push_back(*b);
  }
  return true;
}

int BlockTable::MatchPrefix(BlockManager& bm, absl::Span<const int32_t> tokens,
                            int max_tokens) {
  CHECK(blocks_.empty()) << "MatchPrefix on a non-empty table";
  const int bs = bm.block_size();
  const int full = std::min<int>(max_tokens, tokens.size()) / bs;
  uint64_t parent = BlockManager::kRootHash;
  for (int i = 0; i < full; ++i) {
    absl::Span<const int32_t> chunk = tokens.subspan(i * bs, bs);
    const uint64_t h = BlockManager::ChainHash(parent, chunk);
    std::optional<int> b = bm.Lookup(h, chunk);
    if (!b.has_value()) break;
    blocks_.push_back(*b);
    hashes_.push_back(h);
    parent = h;
  }
  return num_blocks() * bs;
}

void BlockTable::PublishComputed(BlockManager& bm,
                                 absl::Span<const int32_t> tokens,
                                 int num_computed) {
  const int bs = bm.block_size();
  const int full = std::min<int>(num_computed / bs, num_blocks());
  for (int i = static_cast<int>(hashes_.size()); i < full; ++i) {
    const uint64_t parent = i == 0 ? BlockManager::kRootHash : hashes_[i - 1];
    absl::Span<const int32_t> chunk = tokens.subspan(i * bs, bs);
    const uint64_t h = BlockManager::ChainHash(parent, chunk);
    bm.Publish(blocks_[i], h, chunk);
    hashes_.push_back(h);
  }
}

void BlockTable::AdoptPrefix(BlockManager& bm, const BlockTable& from, int n) {
  CHECK(blocks_.empty()) << "AdoptPrefix on a non-empty table";
  CHECK_LE(n, from.num_blocks());
  blocks_.assign(from.blocks_.begin(), from.blocks_.begin() + n);
  for (int b : blocks_) bm.AddRef(b);
  const int hashed = std::min<int>(n, from.hashes_.size());
  hashes_.assign(from.hashes_.begin(), from.hashes_.begin() + hashed);
}

BlockTable BlockTable::Fork(BlockManager& bm) const {
  BlockTable copy;
  copy.blocks_ = blocks_;
  copy.hashes_ = hashes_;
  for (int b : blocks_) bm.AddRef(b);
  return copy;
}

void BlockTable::ReplaceBlock(BlockManager& bm, int index, int block) {
  CHECK(index >= 0 && index < num_blocks()) << index;
  bm.Release(blocks_[index]);
  blocks_[index] = block;
  // A replaced block is written from now on: it is not a published one.
  if (index < static_cast<int>(hashes_.size())) hashes_.resize(index);
}

void BlockTable::ReleaseAll(BlockManager& bm) {
  for (int b : blocks_) bm.Release(b);
  blocks_.clear();
  hashes_.clear();
}

}  // namespace gemma::engine
