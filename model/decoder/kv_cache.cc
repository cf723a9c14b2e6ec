#include "model/decoder/kv_cache.h"

#include <cstring>
#include <new>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace gemma::model {

int64_t KvCache::BytesPerToken(const TextConfig& config) {
  int64_t bytes = 0;
  for (int i = 0; i < config.num_layers; ++i) {
    const LayerSpec s = config.Layer(i);
    if (s.kv_source != i) continue;
    bytes += 2 * int64_t{s.num_kv_heads} * s.head_dim * sizeof(float);
  }
  return bytes;
}

absl::StatusOr<std::unique_ptr<KvCache>> KvCache::Create(
    const TextConfig& config, int num_blocks, int block_size) {
  if (num_blocks <= 0 || block_size <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("KV cache needs positive num_blocks and block_size, got ",
                     num_blocks, " and ", block_size));
  }
  std::unique_ptr<KvCache> kv(new KvCache());
  kv->num_blocks_ = num_blocks;
  kv->block_size_ = block_size;
  std::vector<int> slot_of_owner(config.num_layers, -1);
  for (int i = 0; i < config.num_layers; ++i) {
    const LayerSpec s = config.Layer(i);
    if (s.kv_source != i) continue;
    slot_of_owner[i] = static_cast<int>(kv->slots_.size());
    Slot slot;
    slot.row = s.num_kv_heads * s.head_dim;
    const size_t n = static_cast<size_t>(num_blocks) * block_size * slot.row;
    slot.k.reset(new (std::nothrow) float[n]);
    slot.v.reset(new (std::nothrow) float[n]);
    if (slot.k == nullptr || slot.v == nullptr) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "cannot allocate the KV cache: ", num_blocks, " blocks of ",
          block_size, " positions need ",
          BytesPerToken(config) * num_blocks * block_size, " bytes"));
    }
    kv->slots_.push_back(std::move(slot));
  }
  for (int i = 0; i < config.num_layers; ++i) {
    kv->slot_of_layer_.push_back(slot_of_owner[config.Layer(i).kv_source]);
  }
  return kv;
}

int64_t KvCache::total_bytes() const {
  int64_t b = 0;
  for (const Slot& s : slots_) {
    b += 2 * int64_t{s.row} * num_blocks_ * block_size_ * sizeof(float);
  }
  return b;
}

void KvCache::CopyBlock(int src, int dst, int positions) {
  for (int s = 0; s < num_slots(); ++s) {
    const size_t n = static_cast<size_t>(positions) * slots_[s].row;
    std::memcpy(K(s, dst, 0), K(s, src, 0), n * sizeof(float));
    std::memcpy(V(s, dst, 0), V(s, src, 0), n * sizeof(float));
  }
}

}  // namespace gemma::model
