#include "model/decoder/kv_cache.h"

#include <cstring>
#include <new>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace gemma::model {
namespace {

// The kind of every layer that owns K/V: windowed only when every layer
// reading it (itself and the layers sharing it) is a windowed one.
std::vector<KvKind> OwnerKinds(const TextConfig& config) {
  const int window = KvCache::Window(config);
  std::vector<KvKind> kind(config.num_layers, KvKind::kWindowed);
  for (int i = 0; i < config.num_layers; ++i) {
    const LayerSpec s = config.Layer(i);
    const bool windowed = window > 0 && s.type == LayerType::kSliding;
    if (!windowed) kind[s.kv_source] = KvKind::kFull;
  }
  return kind;
}

}  // namespace

int KvCache::Window(const TextConfig& config) {
  return config.use_sliding_window && config.sliding_window > 0
             ? config.sliding_window
             : 0;
}

int64_t KvCache::BytesPerToken(const TextConfig& config) {
  return BytesPerToken(config, KvKind::kFull) +
         BytesPerToken(config, KvKind::kWindowed);
}

int64_t KvCache::BytesPerToken(const TextConfig& config, KvKind kind) {
  const std::vector<KvKind> kinds = OwnerKinds(config);
  int64_t bytes = 0;
  for (int i = 0; i < config.num_layers; ++i) {
    const LayerSpec s = config.Layer(i);
    if (s.kv_source != i || kinds[i] != kind) continue;
    bytes += 2 * int64_t{s.num_kv_heads} * s.head_dim * sizeof(float);
  }
  return bytes;
}

absl::StatusOr<std::unique_ptr<KvCache>> KvCache::Create(
    const TextConfig& config, int num_blocks, int block_size) {
  return Create(config, num_blocks, num_blocks, block_size);
}

absl::StatusOr<std::unique_ptr<KvCache>> KvCache::Create(
    const TextConfig& config, int full_blocks, int windowed_blocks,
    int block_size) {
  const std::vector<KvKind> kinds = OwnerKinds(config);
  bool any[2] = {false, false};
  for (int i = 0; i < config.num_layers; ++i) {
    if (config.Layer(i).kv_source == i) any[static_cast<int>(kinds[i])] = true;
  }
  if (block_size <= 0 || full_blocks < 0 || windowed_blocks < 0 ||
      (any[0] && full_blocks == 0) || (any[1] && windowed_blocks == 0) ||
      full_blocks + windowed_blocks == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "KV cache needs positive block counts and block size, got ",
        full_blocks, " full-context and ", windowed_blocks,
        " sliding-window blocks of ", block_size, " positions"));
  }
  std::unique_ptr<KvCache> kv(new KvCache());
  kv->num_blocks_[0] = full_blocks;
  kv->num_blocks_[1] = windowed_blocks;
  kv->block_size_ = block_size;
  kv->window_ = Window(config);
  kv->has_windowed_ = any[1];
  std::vector<int> slot_of_owner(config.num_layers, -1);
  for (int i = 0; i < config.num_layers; ++i) {
    const LayerSpec s = config.Layer(i);
    if (s.kv_source != i) continue;
    slot_of_owner[i] = static_cast<int>(kv->slots_.size());
    Slot slot;
    slot.row = s.num_kv_heads * s.head_dim;
    slot.kind = kinds[i];
    const size_t n =
        static_cast<size_t>(kv->num_blocks(slot.kind)) * block_size * slot.row;
    slot.k.reset(new (std::nothrow) float[n]);
    slot.v.reset(new (std::nothrow) float[n]);
    if (slot.k == nullptr || slot.v == nullptr) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "cannot allocate the KV cache: ", full_blocks, " full-context and ",
          windowed_blocks, " sliding-window blocks of ", block_size,
          " positions need ",
          (BytesPerToken(config, KvKind::kFull) * full_blocks +
           BytesPerToken(config, KvKind::kWindowed) * windowed_blocks) *
              block_size,
          " bytes"));
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
    b += 2 * int64_t{s.row} * num_blocks(s.kind) * block_size_ * sizeof(float);
  }
  return b;
}

void KvCache::CopyBlock(KvKind kind, int src, int dst, int positions) {
  for (int s = 0; s < num_slots(); ++s) {
    if (slots_[s].kind != kind) continue;
    const size_t n = static_cast<size_t>(positions) * slots_[s].row;
    std::memcpy(K(s, dst, 0), K(s, src, 0), n * sizeof(float));
    std::memcpy(V(s, dst, 0), V(s, src, 0), n * sizeof(float));
  }
}

void KvCache::CopyBlock(int src, int dst, int positions) {
  CopyBlock(KvKind::kFull, src, dst, positions);
  CopyBlock(KvKind::kWindowed, src, dst, positions);
}

}  // namespace gemma::model
