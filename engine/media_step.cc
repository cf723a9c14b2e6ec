#include "engine/media_step.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_format.h"
#include "base/status_macros.h"

namespace gemma::engine {
namespace {

bool IsVisual(const MediaInput& m) {
  return m.kind != MediaInput::Kind::kAudio;
}

}  // namespace

MediaStepper::MediaStepper(std::shared_ptr<const MediaEncoder> encoder)
    : encoder_(std::move(encoder)) {}

absl::Status MediaStepper::ValidatePrompt(const PromptInput& prompt,
                                          int index) const {
  if (prompt.media.empty()) return absl::OkStatus();
  if (encoder_ == nullptr) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "prompt %d carries media but this model has no vision or audio "
        "tower",
        index));
  }
  const int n = static_cast<int>(prompt.token_ids.size());
  int prev_end = 0;
  for (size_t i = 0; i < prompt.media.size(); ++i) {
    const MediaInput& m = prompt.media[i];
    absl::Status st = encoder_->Validate(m);
    if (!st.ok()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "prompt %d, media item %d: %s", index, i, st.message()));
    }
    const int begin = m.first_token_index;
    const int end = begin + m.num_soft_tokens;
    if (begin < prev_end || end > n) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "prompt %d, media item %d: its placeholders [%d, %d) overlap the "
          "previous item or run past the prompt's %d tokens",
          index, i, begin, end, n));
    }
    prev_end = end;
  }
  return absl::OkStatus();
}

void MediaStepper::Annotate(const PromptInput& prompt, SchedState* seq) const {
  seq->unsplittable.clear();
  seq->media_begin = -1;
  if (prompt.media.empty()) return;
  seq->media_begin = prompt.media.front().first_token_index;
  if (encoder_ == nullptr || !encoder_->bidirectional_images()) return;
  for (const MediaInput& m : prompt.media) {
    if (!IsVisual(m)) continue;
    seq->unsplittable.push_back(
        {m.first_token_index, m.first_token_index + m.num_soft_tokens});
  }
}

absl::Status MediaStepper::Prepare(
    StepPlan* plan,
    const std::function<const PromptInput*(const SchedState*)>& prompt_of,
    StepMedia* out) {
  out->per_item.clear();
  out->storage.clear();
  int tower_calls_left = 1;
  std::vector<StepItem> kept;
  kept.reserve(plan->items.size());
  for (StepItem item : plan->items) {
    const PromptInput* prompt = prompt_of(item.seq);
    if (prompt == nullptr || prompt->media.empty() || encoder_ == nullptr) {
      kept.push_back(item);
      out->per_item.push_back(nullptr);
      continue;
    }
    auto media = std::make_unique<StepMedia::Item>();
    for (const MediaInput& m : prompt->media) {
      const int m0 = m.first_token_index;
      const int m1 = m0 + m.num_soft_tokens;
      const int c0 = item.start, c1 = item.start + item.count;
      if (m1 <= c0) continue;
      if (m0 >= c1) break;  // Items are in position order.
      std::shared_ptr<const SoftTokens> rows = encoder_->Lookup(m);
      const bool first_chunk = m0 >= c0;
      Counters& counters = counters_[ModalityOf(m)];
      if (rows != nullptr) {
        if (first_chunk) ++counters.cache_hits;
      } else if (tower_calls_left > 0) {
        --tower_calls_left;
        const absl::Time t0 = absl::Now();
        absl::StatusOr<MediaEncoder::Result> r = encoder_->Encode(m);
        counters.encode_seconds += absl::ToDoubleSeconds(absl::Now() - t0);
        if (!r.ok()) return r.status();
        if (r->cache_hit) {
          if (first_chunk) ++counters.cache_hits;
        } else {
          ++counters.encodes;
        }
        rows = r->rows;
      } else {
        // One tower call per step: stop this chunk before the item.
        item.count = std::max(0, m0 - c0);
        item.wants_logits = false;
        break;
      }
      const int p0 = std::max(m0, c0), p1 = std::min(m1, c1);
      for (int p = p0; p < p1; ++p) media->positions.push_back(p);
      media->embeddings.insert(
          media->embeddings.end(),
          rows->values.begin() + static_cast<size_t>(p0 - m0) * rows->width,
          rows->values.begin() + static_cast<size_t>(p1 - m0) * rows->width);
      if (encoder_->bidirectional_images() && IsVisual(m)) {
        media->blocks.push_back({m0, m1});
      }
    }
    if (item.count == 0) continue;  // Dropped: nothing before the item.
    kept.push_back(item);
    if (media->positions.empty()) {
      out->per_item.push_back(nullptr);
      continue;
    }
    media->mm.embeddings = media->embeddings;
    media->mm.positions = media->positions;
    media->mm.bidirectional_blocks = media->blocks;
    out->per_item.push_back(&media->mm);
    out->storage.push_back(std::move(media));
  }
  plan->items = std::move(kept);
  plan->num_tokens = 0;
  for (const StepItem& item : plan->items) plan->num_tokens += item.count;
  return absl::OkStatus();
}

int MediaStepper::ModalityOf(const MediaInput& media) {
  switch (media.kind) {
    case MediaInput::Kind::kImage:
      return 0;
    case MediaInput::Kind::kAudio:
      return 1;
    case MediaInput::Kind::kVideoFrame:
      return 2;
  }
  return 0;
}

void MediaStepper::CountRequest(const std::vector<PromptInput>& prompts) {
  for (const PromptInput& p : prompts) {
    for (const MediaInput& m : p.media) {
      Counters& counters = counters_[ModalityOf(m)];
      counters.items.fetch_add(1);
      counters.soft_tokens.fetch_add(m.num_soft_tokens);
    }
  }
}

void MediaStepper::AddTo(EngineStats* stats) const {
  EngineStats::MediaCounters* out[kModalities] = {
      &stats->media_image, &stats->media_audio, &stats->media_video};
  stats->media_items_total = 0;
  stats->media_soft_tokens_total = 0;
  stats->media_cache_hits_total = 0;
  stats->media_encoder_calls_total = 0;
  stats->media_encoder_seconds_total = 0;
  for (int i = 0; i < kModalities; ++i) {
    const Counters& c = counters_[i];
    EngineStats::MediaCounters& o = *out[i];
    o.items_total = c.items.load();
    o.soft_tokens_total = c.soft_tokens.load();
    o.cache_hits_total = c.cache_hits;
    o.encoder_calls_total = c.encodes;
    o.encoder_seconds_total = c.encode_seconds;
    stats->media_items_total += o.items_total;
    stats->media_soft_tokens_total += o.soft_tokens_total;
    stats->media_cache_hits_total += o.cache_hits_total;
    stats->media_encoder_calls_total += o.encoder_calls_total;
    stats->media_encoder_seconds_total += o.encoder_seconds_total;
  }
}

}  // namespace gemma::engine
