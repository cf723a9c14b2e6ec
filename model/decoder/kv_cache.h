// The paged KV cache storage of one model instance: a preallocated pool of
// `num_blocks` blocks of `block_size` positions for every layer that owns
// K/V (KV-shared layers read their source layer's storage). Entries are
// float32 K after k-norm and RoPE and V after the unscaled v-norm
// (spec §2.5, §4), laid out per cached layer as
// [num_blocks][block_size][num_kv_heads][head_dim].
//
// Block ids are handed out by the caller (the engine's block manager, with
// refcounts and prefix caching); a sequence's block table lists its blocks
// in position order (position p lives in block table[p / block_size], slot
// p % block_size). Sliding-window layers use the same blocks; positions that
// fell out of every window are simply never read again. CopyBlock() supports
// copy-on-write when forked sequences share a partly filled block.
//
// Thread-safety: not thread-safe; owned by one model instance and used by
// one step at a time.
#ifndef GEMMA_MODEL_DECODER_KV_CACHE_H_
#define GEMMA_MODEL_DECODER_KV_CACHE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "model/config.h"

namespace gemma::model {

class KvCache {
 public:
  // Bytes one token position takes over all cached layers (K and V).
  static int64_t BytesPerToken(const TextConfig& config);

  // Allocates the pool (pages are touched lazily, on first write).
  // INVALID_ARGUMENT for non-positive sizes, RESOURCE_EXHAUSTED when the
  // allocation fails.
  static absl::StatusOr<std::unique_ptr<KvCache>> Create(
      const TextConfig& config, int num_blocks, int block_size);

  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  int num_blocks() const { return num_blocks_; }
  int block_size() const { return block_size_; }
  int64_t total_bytes() const;

  // Storage slot of layer `layer`'s K/V (its KV source for shared layers).
  int slot_of_layer(int layer) const { return slot_of_layer_[layer]; }
  int num_slots() const { return static_cast<int>(slots_.size()); }
  // Floats per position in a slot (num_kv_heads * head_dim).
  int row_width(int slot) const { return slots_[slot].row; }

  // Row of position `slot_in_block` of `block` in `slot`'s K or V.
  float* K(int slot, int block, int slot_in_block) {
    return slots_[slot].k.get() + Offset(slot, block, slot_in_block);
  }
  float* V(int slot, int block, int slot_in_block) {
    return slots_[slot].v.get() + Offset(slot, block, slot_in_block);
  }

  // Copies the first `positions` positions of block `src` to block `dst`
  // in every slot (copy-on-write of a shared, partly filled block).
  void CopyBlock(int src, int dst, int positions);

 private:
  struct Slot {
    int row = 0;  // num_kv_heads * head_dim.
    std::unique_ptr<float[]> k, v;
  };
  KvCache() = default;
  size_t Offset(int slot, int block, int pos) const {
    return (static_cast<size_t>(block) * block_size_ + pos) * slots_[slot].row;
  }

  int num_blocks_ = 0;
  int block_size_ = 0;
  std::vector<Slot> slots_;
  std::vector<int> slot_of_layer_;
};

}  // namespace gemma::model

#endif  // GEMMA_MODEL_DECODER_KV_CACHE_H_
