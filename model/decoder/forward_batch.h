// The inputs and outputs of one ragged batched forward step of the text
// decoder: any mix of prefill chunks and single-token decodes of different
// sequences. All entries' tokens are concatenated, so every matmul runs
// once over all rows of the step; attention runs per entry over its own
// paged K/V.
//
// Thread-safety: plain values; the spans must stay valid during Forward().
#ifndef GEMMA_MODEL_DECODER_FORWARD_BATCH_H_
#define GEMMA_MODEL_DECODER_FORWARD_BATCH_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/types/span.h"

namespace gemma::model {

// Precomputed soft-token rows (vision or audio encoder output, already
// projected to the text width H) for some positions of one entry, and the
// vision-bidirectional blocks of that entry (multimodal spec §5.2–5.3).
struct MultimodalInput {
  // [positions.size(), H] float32, row i replaces the embedding at
  // positions[i]. Rows enter unscaled: they are not multiplied by √H, and
  // their per-layer embedding uses the pad id 0.
  absl::Span<const float> embeddings;
  // Absolute positions, each inside this entry's chunk
  // [start_pos, start_pos + tokens.size()).
  absl::Span<const int> positions;
  // Half-open absolute position ranges whose positions attend to each other
  // in both directions on sliding layers (only when the config enables
  // vision-bidirectional attention). A block must lie inside one chunk.
  absl::Span<const std::pair<int, int>> bidirectional_blocks;
};

struct ForwardEntry {
  absl::Span<const int32_t> tokens;  // Non-empty.
  int start_pos = 0;                 // Positions already in the cache.
  // Block table: block ids (of the KvCache) covering at least
  // start_pos + tokens.size() positions. Blocks may be shared between
  // sequences (prefix cache, forks) for the positions they already hold;
  // the blocks this entry writes (positions start_pos..) must be its own —
  // copy a shared partly filled block first (KvCache::CopyBlock).
  absl::Span<const int> blocks;
  bool all_logits = false;  // Else only the last row's logits.
  const MultimodalInput* mm = nullptr;
  // With Forward(..., want_hidden): the hidden state of every row of the
  // entry (contrastive search keeps a prompt's states), not only of the
  // rows that get logits.
  bool all_hidden = false;
  // Block table of the cache's windowed (sliding-window) slots, in the
  // windowed pool's ids; empty: `blocks` serves both kinds (a KvCache with
  // pools of equal size). It covers start_pos + tokens.size() positions,
  // but only the blocks of positions start_pos - window + 1 to the chunk's
  // end are read or written: other entries may be negative (released, or
  // not allocated yet).
  absl::Span<const int> sliding_blocks = {};
};

struct ForwardOutput {
  int vocab_size = 0;
  int hidden_dim = 0;
  // Entry i owns output rows [row_begin[i], row_begin[i + 1]).
  std::vector<int> row_begin;
  std::vector<float> logits;  // [rows, vocab_size], after the soft cap(s).
  // Final-normed hidden states (filled only when Forward is asked for them;
  // contrastive search): entry i owns rows [hidden_row_begin[i],
  // hidden_row_begin[i + 1]) of `hidden` ([rows, hidden_dim]): every row of
  // an all_hidden or all_logits entry, else its last row.
  std::vector<int> hidden_row_begin;
  std::vector<float> hidden;

  int num_rows() const { return row_begin.empty() ? 0 : row_begin.back(); }
  const float* logits_row(int r) const {
    return logits.data() + static_cast<size_t>(r) * vocab_size;
  }
};

}  // namespace gemma::model

#endif  // GEMMA_MODEL_DECODER_FORWARD_BATCH_H_
