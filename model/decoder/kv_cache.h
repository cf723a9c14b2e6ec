// The paged KV cache storage of one model instance: preallocated pools of
// blocks of `block_size` positions for every layer that owns K/V (KV-shared
// layers read their source layer's storage). Entries are float32 K after
// k-norm and RoPE and V after the unscaled v-norm (spec §2.5, §4), laid out
// per cached layer ("slot") as [num_blocks][block_size][num_kv_heads]
// [head_dim].
//
// Slots come in two kinds, each with its own pool of block ids:
//  - kFull: layers that attend to the whole sequence (global layers, and
//    sliding layers when the config disables the window);
//  - kWindowed: sliding-window layers. A query at position i reads only
//    positions > i - window, so a sequence may return the windowed blocks
//    that fell out of every future query's window while keeping its full
//    blocks (the engine's block manager does this). Their pool can be
//    smaller than the full one.
// Block ids are handed out by the caller (the engine's block manager, with
// refcounts and prefix caching); a sequence has one block table per kind
// (position p lives in block table[p / block_size], slot p % block_size).
// A cache made with one block count (the three-argument Create) has pools
// of equal size, and the full table may serve both kinds. CopyBlock()
// supports copy-on-write when forked sequences share a partly filled block.
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

enum class KvKind { kFull = 0, kWindowed = 1 };

class KvCache {
 public:
  // Bytes one token position takes over all cached layers (K and V).
  static int64_t BytesPerToken(const TextConfig& config);
  // Bytes one token position takes over the cached layers of `kind`.
  static int64_t BytesPerToken(const TextConfig& config, KvKind kind);
  // The attention window of windowed slots (0 when the config has none).
  static int Window(const TextConfig& config);

  // Allocates pools of `num_blocks` blocks for both kinds (pages are
  // touched lazily, on first write). INVALID_ARGUMENT for non-positive
  // sizes, RESOURCE_EXHAUSTED when the allocation fails.
  static absl::StatusOr<std::unique_ptr<KvCache>> Create(
      const TextConfig& config, int num_blocks, int block_size);
  // Pools of `full_blocks` and `windowed_blocks` blocks (a kind without
  // slots may have 0).
  static absl::StatusOr<std::unique_ptr<KvCache>> Create(
      const TextConfig& config, int full_blocks, int windowed_blocks,
      int block_size);

  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  // Blocks of the full pool (the three-argument Create: of both pools).
  int num_blocks() const { return num_blocks_[0]; }
  int num_blocks(KvKind kind) const {
    return num_blocks_[static_cast<int>(kind)];
  }
  int block_size() const { return block_size_; }
  int64_t total_bytes() const;
  // The window of windowed slots (0: none).
  int window() const { return window_; }
  // True when some slot is windowed.
  bool has_windowed() const { return has_windowed_; }

  // Storage slot of layer `layer`'s K/V (its KV source for shared layers).
  int slot_of_layer(int layer) const { return slot_of_layer_[layer]; }
  int num_slots() const { return static_cast<int>(slots_.size()); }
  // Floats per position in a slot (num_kv_heads * head_dim).
  int row_width(int slot) const { return slots_[slot].row; }
  KvKind slot_kind(int slot) const { return slots_[slot].kind; }

  // Row of position `slot_in_block` of `block` in `slot`'s K or V.
  float* K(int slot, int block, int slot_in_block) {
    return slots_[slot].k.get() + Offset(slot, block, slot_in_block);
  }
  float* V(int slot, int block, int slot_in_block) {
    return slots_[slot].v.get() + Offset(slot, block, slot_in_block);
  }
  // Start of `slot`'s K or V pool ([num_blocks][block_size][row]).
  const float* KBase(int slot) const { return slots_[slot].k.get(); }
  const float* VBase(int slot) const { return slots_[slot].v.get(); }

  // Copies the first `positions` positions of block `src` to block `dst`
  // in every slot of `kind` (copy-on-write of a shared, partly filled
  // block).
  void CopyBlock(KvKind kind, int src, int dst, int positions);
  // Same, in every slot of both kinds (caches whose kinds share block ids).
  void CopyBlock(int src, int dst, int positions);

 private:
  struct Slot {
    int row = 0;  // num_kv_heads * head_dim.
    KvKind kind = KvKind::kFull;
    std::unique_ptr<float[]> k, v;
  };
  KvCache() = default;
  size_t Offset(int slot, int block, int pos) const {
    return (static_cast<size_t>(block) * block_size_ + pos) * slots_[slot].row;
  }

  int num_blocks_[2] = {0, 0};
  int block_size_ = 0;
  int window_ = 0;
  bool has_windowed_ = false;
  std::vector<Slot> slots_;
  std::vector<int> slot_of_layer_;
};

}  // namespace gemma::model

#endif  // GEMMA_MODEL_DECODER_KV_CACHE_H_
