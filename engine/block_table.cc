#include "engine/block_table.h"

#include <algorithm>

#include "base/logging.h"

namespace gemma::engine {

int BlockTable::FirstWindowIndex(const BlockManager& bm, int pos) {
  return std::max(0, pos - bm.window() + 1) / bm.block_size();
}

int BlockTable::num_window_blocks() const {
  return static_cast<int>(std::count_if(window_.begin(), window_.end(),
                                        [](int b) { return b >= 0; }));
}

int BlockTable::BlocksNeeded(const BlockManager& bm, int num_tokens) const {
  const int bs = bm.block_size();
  const int want = (num_tokens + bs - 1) / bs;
  return std::max(0, want - num_blocks());
}

bool BlockTable::Reserve(BlockManager& bm, int num_tokens) {
  const int need = BlocksNeeded(bm, num_tokens);
  if (need == 0) return true;
  if (need > bm.num_available_blocks()) return false;
  const size_t first = blocks_.size();
  for (int i = 0; i < need; ++i) {
    std::optional<int> b = bm.Allocate();
    CHECK(b.has_value()) << "available count was wrong";
    blocks_.push_back(*b);
  }
  // Ascending ids: neighbours in the pool form runs that attention reads
  // with one product.
  std::sort(blocks_.begin() + first, blocks_.end());
  return true;
}

int BlockTable::WindowBlocksNeeded(const BlockManager& bm, int begin,
                                   int end) const {
  if (!bm.has_windowed() || end <= begin) return 0;
  const int bs = bm.block_size();
  const int last = (end + bs - 1) / bs;
  int need = 0;
  for (int i = FirstWindowIndex(bm, begin); i < last; ++i) {
    need += i >= static_cast<int>(window_.size()) || window_[i] < 0;
  }
  return need;
}

bool BlockTable::ReserveWindow(BlockManager& bm, int begin, int end) {
  const int need = WindowBlocksNeeded(bm, begin, end);
  if (need == 0) return true;
  if (need > bm.num_available_blocks(BlockKind::kWindowed)) return false;
  const int bs = bm.block_size();
  const int last = (end + bs - 1) / bs;
  if (static_cast<int>(window_.size()) < last) window_.resize(last, -1);
  for (int i = FirstWindowIndex(bm, begin); i < last; ++i) {
    if (window_[i] >= 0) continue;
    std::optional<int> b = bm.Allocate(BlockKind::kWindowed);
    CHECK(b.has_value()) << "available count was wrong";
    window_[i] = *b;
  }
  return true;
}

void BlockTable::ReleaseOutOfWindow(BlockManager& bm, int next_pos) {
  if (!bm.has_windowed()) return;
  // Block i is out of every future window once (i + 1) * bs <= the first
  // position the query at next_pos reads.
  const int first = std::max(0, next_pos - bm.window() + 1);
  const int n = std::min<int>(first / bm.block_size(), window_.size());
  for (int i = n - 1; i >= 0; --i) {
    if (window_[i] < 0) continue;
    bm.Release(window_[i], BlockKind::kWindowed);
    window_[i] = -1;
  }
}

int BlockTable::MatchPrefix(BlockManager& bm, absl::Span<const int32_t> tokens,
                            int max_tokens) {
  CHECK(blocks_.empty()) << "MatchPrefix on a non-empty table";
  const int bs = bm.block_size();
  const int full = std::min<int>(max_tokens, tokens.size()) / bs;
  std::vector<uint64_t> hashes;
  std::vector<int> found;
  uint64_t parent = BlockManager::kRootHash;
  int queries = 0;
  for (int i = 0; i < full; ++i) {
    absl::Span<const int32_t> chunk = tokens.subspan(i * bs, bs);
    const uint64_t h = BlockManager::ChainHash(parent, chunk);
    ++queries;
    std::optional<int> b = bm.Find(BlockKind::kFull, h, chunk);
    if (!b.has_value()) break;
    found.push_back(*b);
    hashes.push_back(h);
    parent = h;
  }
  // With a windowed pool the next query also reads the window before the
  // match's end: shorten the match until those blocks are cached too.
  int k = static_cast<int>(found.size());
  std::vector<int> window(k, -1);
  if (bm.has_windowed()) {
    for (; k > 0; --k) {
      bool all = true;
      for (int i = FirstWindowIndex(bm, k * bs); i < k && all; ++i) {
        std::optional<int> w = bm.Find(BlockKind::kWindowed, hashes[i],
                                       tokens.subspan(i * bs, bs));
        all = w.has_value();
        if (all) window[i] = *w;
      }
      if (all) break;
    }
  }
  bm.CountLookups(queries, k);
  for (int i = 0; i < k; ++i) {
    bm.AddRef(found[i]);
    blocks_.push_back(found[i]);
    hashes_.push_back(hashes[i]);
  }
  if (bm.has_windowed()) {
    window_.assign(k, -1);
    for (int i = k > 0 ? FirstWindowIndex(bm, k * bs) : 0; i < k; ++i) {
      bm.AddRef(window[i], BlockKind::kWindowed);
      window_[i] = window[i];
    }
  }
  return k * bs;
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
    if (i < static_cast<int>(window_.size()) && window_[i] >= 0) {
      bm.Publish(window_[i], h, chunk, BlockKind::kWindowed);
    }
    hashes_.push_back(h);
  }
}

int BlockTable::AdoptablePrefix(const BlockManager& bm, const BlockTable& from,
                                int n) {
  n = std::min(n, from.num_blocks());
  if (!bm.has_windowed()) return n;
  const int bs = bm.block_size();
  for (int k = n; k > 0; --k) {
    bool all = true;
    for (int i = FirstWindowIndex(bm, k * bs); i < k && all; ++i) {
      all = i < static_cast<int>(from.window_.size()) && from.window_[i] >= 0;
    }
    if (all) return k;
  }
  return 0;
}

void BlockTable::AdoptPrefix(BlockManager& bm, const BlockTable& from, int n) {
  CHECK(blocks_.empty()) << "AdoptPrefix on a non-empty table";
  CHECK_LE(n, from.num_blocks());
  blocks_.assign(from.blocks_.begin(), from.blocks_.begin() + n);
  for (int b : blocks_) bm.AddRef(b);
  const int hashed = std::min<int>(n, from.hashes_.size());
  hashes_.assign(from.hashes_.begin(), from.hashes_.begin() + hashed);
  if (bm.has_windowed()) {
    window_.assign(n, -1);
    for (int i = n > 0 ? FirstWindowIndex(bm, n * bm.block_size()) : 0; i < n;
         ++i) {
      CHECK(i < static_cast<int>(from.window_.size()) && from.window_[i] >= 0)
          << "adopting a prefix whose window was released";
      window_[i] = from.window_[i];
      bm.AddRef(window_[i], BlockKind::kWindowed);
    }
  }
}

BlockTable BlockTable::Fork(BlockManager& bm) const {
  BlockTable copy;
  copy.blocks_ = blocks_;
  copy.window_ = window_;
  copy.hashes_ = hashes_;
  for (int b : blocks_) bm.AddRef(b);
  for (int b : window_) {
    if (b >= 0) bm.AddRef(b, BlockKind::kWindowed);
  }
  return copy;
}

void BlockTable::ReplaceBlock(BlockManager& bm, int index, int block,
                              BlockKind kind) {
  std::vector<int>& list = kind == BlockKind::kFull ? blocks_ : window_;
  CHECK(index >= 0 && index < static_cast<int>(list.size())) << index;
  if (list[index] >= 0) bm.Release(list[index], kind);
  list[index] = block;
  // A replaced block is written from now on: it is not a published one.
  if (index < static_cast<int>(hashes_.size())) hashes_.resize(index);
}

void BlockTable::ReleaseAll(BlockManager& bm) {
  // Last first: the free lists are stacks, so the next table gets the ids
  // back in ascending order.
  for (auto it = blocks_.rbegin(); it != blocks_.rend(); ++it) bm.Release(*it);
  for (auto it = window_.rbegin(); it != window_.rend(); ++it) {
    if (*it >= 0) bm.Release(*it, BlockKind::kWindowed);
  }
  blocks_.clear();
  window_.clear();
  hashes_.clear();
}

}  // namespace gemma::engine
