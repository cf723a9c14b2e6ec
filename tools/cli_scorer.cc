#include "tools/cli_scorer.h"

#include <omp.h>

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "engine/media_encoder.h"
#include "engine/media_step.h"
#include "engine/model_loader.h"
#include "engine/model_pool.h"
#include "model/decoder/forward_batch.h"
#include "model/decoder/gemma4_model.h"
#include "model/decoder/kv_cache.h"

namespace gemma::tools {
namespace {

constexpr int kBlockSize = 16;

// The soft-token rows of every media item of `prompt`, at their
// placeholder positions, and the bidirectional blocks of visual items
// (images, video frames) when the model attends within them both ways.
struct PromptMedia {
  std::vector<float> embeddings;
  std::vector<int> positions;
  std::vector<std::pair<int, int>> blocks;
};

absl::StatusOr<PromptMedia> EncodePromptMedia(
    const engine::MediaEncoder& encoder, const engine::PromptInput& prompt) {
  PromptMedia out;
  for (size_t i = 0; i < prompt.media.size(); ++i) {
    const engine::MediaInput& m = prompt.media[i];
    absl::StatusOr<engine::MediaEncoder::Result> encoded = encoder.Encode(m);
    if (!encoded.ok()) {
      return absl::Status(
          encoded.status().code(),
          absl::StrFormat("media item %d: %s", i, encoded.status().message()));
    }
    const engine::SoftTokens& rows = *encoded->rows;
    if (rows.rows < m.num_soft_tokens || rows.width != encoder.text_width()) {
      return absl::InternalError(absl::StrFormat(
          "media item %d: the tower gave %d soft tokens of width %d for %d "
          "placeholders of width %d",
          i, rows.rows, rows.width, m.num_soft_tokens, encoder.text_width()));
    }
    for (int p = 0; p < m.num_soft_tokens; ++p) {
      out.positions.push_back(m.first_token_index + p);
    }
    out.embeddings.insert(
        out.embeddings.end(), rows.values.begin(),
        rows.values.begin() +
            static_cast<size_t>(m.num_soft_tokens) * rows.width);
    if (encoder.bidirectional_images() &&
        m.kind != engine::MediaInput::Kind::kAudio) {
      out.blocks.push_back(
          {m.first_token_index, m.first_token_index + m.num_soft_tokens});
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<CliScorer>> CliScorer::Create(
    const CliScorerOptions& options) {
  if (options.threads < 0) {
    return absl::InvalidArgumentError("--threads must be >= 0");
  }
  engine::ModelSpec spec;
  spec.name = "score";
  spec.dir = options.model_dir;
  spec.load_vision = options.load_vision;
  spec.load_audio = options.load_audio;
  spec.audio_convention = options.audio_convention;
  // One pass over one prompt: nothing to reuse between encodes.
  spec.encoder_cache_bytes = 0;
  std::unique_ptr<CliScorer> scorer(new CliScorer());
  scorer->threads_ =
      options.threads > 0
          ? options.threads
          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  GEMMA_ASSIGN_OR_RETURN(engine::LoadedModel loaded, engine::LoadModel(spec));
  scorer->model_ = std::make_unique<engine::LoadedModel>(std::move(loaded));
  return scorer;
}

CliScorer::~CliScorer() = default;

const engine::Frontend& CliScorer::frontend() const {
  return *model_->frontend;
}

int CliScorer::vocab_size() const {
  return model_->math->config().text.vocab_size;
}

absl::Status CliScorer::Score(const engine::PromptInput& prompt,
                              int chunk_tokens,
                              const LogitRowsSink& sink) const {
  const int T = static_cast<int>(prompt.token_ids.size());
  if (T == 0) return absl::InvalidArgumentError("the prompt has no tokens");
  if (chunk_tokens < 0) {
    return absl::InvalidArgumentError("the chunk size must be >= 0");
  }
  // The engine's own checks: towers present, arrays consistent,
  // placeholder ranges inside the prompt, in order and not overlapping.
  const engine::MediaStepper checker(model_->media);
  GEMMA_RETURN_IF_ERROR(checker.ValidatePrompt(prompt, 0));
  omp_set_num_threads(threads_);

  PromptMedia media;
  if (!prompt.media.empty()) {
    GEMMA_ASSIGN_OR_RETURN(media, EncodePromptMedia(*model_->media, prompt));
  }
  const model::Gemma4Model& math = *model_->math;
  const int num_blocks = (T + kBlockSize - 1) / kBlockSize;
  GEMMA_ASSIGN_OR_RETURN(
      std::unique_ptr<model::KvCache> kv,
      model::KvCache::Create(math.config().text, num_blocks, kBlockSize));
  std::vector<int> table(num_blocks);
  for (int b = 0; b < num_blocks; ++b) table[b] = b;
  std::unique_ptr<model::ForwardState> state = math.NewState();
  const absl::Span<const int32_t> tokens(prompt.token_ids);
  const int width = model_->media != nullptr ? model_->media->text_width() : 0;

  for (int start = 0; start < T;) {
    int end = chunk_tokens > 0 ? std::min(T, start + chunk_tokens) : T;
    for (const std::pair<int, int>& block : media.blocks) {
      if (block.first < end && block.second > end) {
        end = block.first > start ? block.first : block.second;
        break;
      }
    }
    // This chunk's soft-token positions and rows, and its blocks.
    const auto p0 =
        std::lower_bound(media.positions.begin(), media.positions.end(), start);
    const auto p1 = std::lower_bound(p0, media.positions.end(), end);
    const std::vector<int> positions(p0, p1);
    const size_t row0 = p0 - media.positions.begin();
    const std::vector<float> rows(
        media.embeddings.begin() + row0 * width,
        media.embeddings.begin() + (row0 + positions.size()) * width);
    std::vector<std::pair<int, int>> blocks;
    for (const std::pair<int, int>& block : media.blocks) {
      if (block.first >= start && block.second <= end) blocks.push_back(block);
    }
    model::MultimodalInput mm;
    mm.embeddings = rows;
    mm.positions = positions;
    mm.bidirectional_blocks = blocks;

    model::ForwardEntry entry;
    entry.tokens = tokens.subspan(start, end - start);
    entry.start_pos = start;
    entry.blocks = table;
    entry.all_logits = true;
    entry.mm = positions.empty() ? nullptr : &mm;
    model::ForwardOutput out;
    GEMMA_RETURN_IF_ERROR(
        math.Forward(state.get(), kv.get(), {&entry, 1}, &out));
    if (out.num_rows() != end - start ||
        out.logits.size() != static_cast<size_t>(end - start) * vocab_size()) {
      return absl::InternalError(absl::StrFormat(
          "the forward pass returned %d rows of logits for %d positions",
          out.num_rows(), end - start));
    }
    GEMMA_RETURN_IF_ERROR(sink(out.logits));
    start = end;
  }
  return absl::OkStatus();
}

}  // namespace gemma::tools
