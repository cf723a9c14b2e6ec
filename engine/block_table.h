// One sequence's view of the paged KV cache: the physical block ids that
// hold its positions, in order (position p lives in block p / block_size,
// slot p % block_size), one list per pool (engine/block_manager.h), plus
// the chain hashes of its full blocks for the prefix cache.
//
// The full list covers every position of the sequence. The windowed list
// (only when the manager has a windowed pool) has the same indexing but
// holds blocks only where some query still needs them: ReserveWindow()
// allocates the blocks a chunk writes and reads, ReleaseOutOfWindow()
// returns those whose positions every future query's window has passed
// (-1 marks an index without a block).
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

  // Full-pool block ids, one per block of positions.
  const std::vector<int>& blocks() const { return blocks_; }
  // Windowed-pool block ids by the same index, -1 where none is held;
  // empty when the manager has no windowed pool.
  const std::vector<int>& window_blocks() const { return window_; }
  int num_blocks() const { return static_cast<int>(blocks_.size()); }
  // Windowed blocks held.
  int num_window_blocks() const;
  // Positions the table can hold without allocating.
  int capacity(const BlockManager& bm) const {
    return num_blocks() * bm.block_size();
  }

  // Full blocks needed (beyond the ones held) to hold `num_tokens`
  // positions.
  int BlocksNeeded(const BlockManager& bm, int num_tokens) const;
  // Allocates full blocks until `num_tokens` positions fit. All or nothing:
  // returns false (holding what it held before) if the pool runs dry.
  bool Reserve(BlockManager& bm, int num_tokens);

  // Windowed blocks missing to compute positions [begin, end): those the
  // chunk writes and the window its first query reads
  // ([begin - window + 1, end)). 0 without a windowed pool.
  int WindowBlocksNeeded(const BlockManager& bm, int begin, int end) const;
  // Allocates them; all or nothing.
  bool ReserveWindow(BlockManager& bm, int begin, int end);
  // Returns the windowed blocks no query from position `next_pos` on can
  // see (all their positions are <= next_pos - window).
  void ReleaseOutOfWindow(BlockManager& bm, int next_pos);

  // Prefix-cache lookup for a fresh table: reuses cached full blocks of
  // `tokens`, stopping before `max_tokens` (a sequence must compute at least
  // its last prompt token to get logits). With a windowed pool, a match of
  // k blocks also needs the cached windowed blocks of the last `window`
  // positions before k * block_size; the match is shortened until they are
  // there. Returns the number of positions whose K/V are cached.
  int MatchPrefix(BlockManager& bm, absl::Span<const int32_t> tokens,
                  int max_tokens);

  // Publishes every full block whose positions are all below
  // `num_computed` (their K/V are in the cache), in both pools where the
  // table still holds the windowed block. `tokens` holds at least
  // num_computed ids.
  void PublishComputed(BlockManager& bm, absl::Span<const int32_t> tokens,
                       int num_computed);

  // The largest k <= n such that an empty table can share the first k full
  // blocks of `from` (with a windowed pool: `from` still holds the windowed
  // blocks the window before position k * block_size needs). 0 if none.
  static int AdoptablePrefix(const BlockManager& bm, const BlockTable& from,
                             int n);
  // For an empty table: shares the first `n` (full) blocks of `from` (n as
  // AdoptablePrefix allows) and the windowed blocks their window needs.
  void AdoptPrefix(BlockManager& bm, const BlockTable& from, int n);

  // A copy sharing every block (each gains a reference): a beam fork.
  BlockTable Fork(BlockManager& bm) const;

  // Puts `block` (a fresh copy of `kind`, referenced by the caller) at
  // `index` and drops the reference to the block it replaces.
  void ReplaceBlock(BlockManager& bm, int index, int block,
                    BlockKind kind = BlockKind::kFull);

  // Drops every reference and empties the table.
  void ReleaseAll(BlockManager& bm);

 private:
  // Index of the first block the window of a query at `pos` reads.
  static int FirstWindowIndex(const BlockManager& bm, int pos);

  std::vector<int> blocks_;
  std::vector<int> window_;
  // Chain hashes of the leading full blocks already hashed (prefix of
  // blocks_), so each block is hashed once.
  std::vector<uint64_t> hashes_;
};

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_BLOCK_TABLE_H_
