// One sequence's view of the paged KV cache: the physical block ids that
// hold its positions, in order (position p lives in block p / block_size,
// slot p % block_size), plus the chain hashes of its full blocks for the
// prefix cache.
//
// Thread-safety: not thread-safe; used by the engine thread with the
// BlockManager it was filled from.
#ifndef GEMMA_ENGINE_BLOCK_TABLE_H_
#define GEMMA_ENGINE_BLOCK_TABLE_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "engine/block_manager.h"

namespace gemma::engine {

class BlockTable {
 public:
  BlockTable() = default;

  const std::vector<int>& blocks() const { return blocks_; }
  int num_blocks() const { return static_cast<int>(blocks_.size()); }
  // Positions the table can hold without allocating.
  int capacity(const BlockManager& bm) const {
    return num_blocks() * bm.block_size();
  }

  // Blocks needed (beyond the ones held) to hold `num_tokens` positions.
  int BlocksNeeded(const BlockManager& bm, int num_tokens) const;
  // Allocates blocks until `num_tokens` positions fit. All or nothing:
  // returns false (holding what it held before) if the pool runs dry.
  bool Reserve(BlockManager& bm, int num_tokens);

  // Prefix-cache lookup for a fresh table: reuses cached full blocks of
  // `tokens`, stopping before `max_tokens` (a sequence must compute at least
  // its last prompt token to get logits). Returns the number of positions
  // whose K/V are cached.
  int MatchPrefix(BlockManager& bm, absl::Span<const int32_t> tokens,
                  int max_tokens);

  // Publishes every full block whose positions are all below
  // `num_computed` (their K/V are in the cache). `tokens` holds at least
  // num_computed ids.
  void PublishComputed(BlockManager& bm, absl::Span<const int32_t> tokens,
                       int num_computed);

  // For an empty table: shares the first `n` (full) blocks of `from`.
  void AdoptPrefix(BlockManager& bm, const BlockTable& from, int n);

  // A copy sharing every block (each gains a reference): a beam fork.
  BlockTable Fork(BlockManager& bm) const;

  // Puts `block` (a fresh copy, referenced by the caller) at `index` and
  // drops the reference to the block it replaces.
  void ReplaceBlock(BlockManager& bm, int index, int block);

  // Drops every reference and empties the table.
  void ReleaseAll(BlockManager& bm);

 private:
  std::vector<int> blocks_;
  // Chain hashes of the leading full blocks already hashed (prefix of
  // blocks_), so each block is hashed once.
  std::vector<uint64_t> hashes_;
};

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_BLOCK_TABLE_H_
