// Video through the engine on the golden vision checkpoint: the sampled
// frames' soft tokens are computed by the vision tower inside the engine's
// prefill steps (one tower call per frame), cached by content, counted per
// modality, and placed exactly where an image's would be (the placeholder
// id does not enter the computation: every soft-token position is a
// multimodal position, spec §5.2).
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "engine/frontend.h"
#include "gtest/gtest.h"
#include "tests/engine/engine_test_util.h"
#include "tests/engine/video_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace gemma::engine {
namespace {

ModelSpec VisionSpec() {
  ModelSpec spec = GoldenSpec("e2b_vision");
  spec.load_vision = true;
  return spec;
}

MediaBlob Frames(int n) {
  MediaBlob blob;
  blob.kind = MediaBlob::Kind::kVideo;
  blob.frames = gemma::testing::PngFrames(n, 64, 80);
  blob.fps = 1;
  return blob;
}

absl::StatusOr<GenerationResult> RunPrompt(Engine& engine, PromptInput prompt) {
  auto sink = std::make_shared<CollectingSink>();
  Request r;
  r.model = kTestModel;
  r.prompts.push_back(std::move(prompt));
  r.params = FixedLengthGreedy(8);
  r.params.max_length = 1024;
  r.sink = sink;
  if (absl::Status st = engine.Submit(std::move(r)); !st.ok()) return st;
  if (!sink->WaitDone(absl::Seconds(120))) {
    return absl::DeadlineExceededError("no result within 120 s");
  }
  if (sink->violations() != 0) {
    return absl::InternalError("the sink saw protocol violations");
  }
  return sink->result();
}

EngineStats StatsOf(const Engine& engine) {
  std::vector<EngineStats> s = engine.Stats();
  return s.empty() ? EngineStats() : s[0];
}

TEST(VideoEngineTest, FramesAreEncodedOncePerFrameAndCountedAsVideo) {
  ASSERT_OK_AND_ASSIGN(auto pool, MakePool(VisionSpec()));
  EXPECT_TRUE(pool->ListModels()[0].video);
  ASSERT_OK_AND_ASSIGN(const Frontend* fe, pool->GetFrontend(kTestModel));
  ASSERT_OK_AND_ASSIGN(PromptInput prompt,
                       fe->FromText("What happens in <|video|>?", {Frames(3)}));
  ASSERT_EQ(prompt.media.size(), 3u);
  int soft = 0;
  for (const MediaInput& m : prompt.media) soft += m.num_soft_tokens;

  ASSERT_OK_AND_ASSIGN(GenerationResult first, RunPrompt(*pool, prompt));
  ASSERT_OK(first.status);
  EXPECT_EQ(first.token_ids.size(), prompt.token_ids.size() + 8);
  EngineStats s = StatsOf(*pool);
  EXPECT_EQ(s.media_video.items_total, 3);
  EXPECT_EQ(s.media_video.soft_tokens_total, soft);
  EXPECT_EQ(s.media_video.encoder_calls_total, 3);
  EXPECT_GT(s.media_video.encoder_seconds_total, 0.0);
  EXPECT_EQ(s.media_image.items_total, 0);
  EXPECT_EQ(s.media_items_total, 3);

  // The same video again: all frames from the encoder cache, same tokens.
  ASSERT_OK_AND_ASSIGN(GenerationResult second, RunPrompt(*pool, prompt));
  EXPECT_EQ(second.token_ids, first.token_ids);
  s = StatsOf(*pool);
  EXPECT_EQ(s.media_video.encoder_calls_total, 3);
  EXPECT_EQ(s.media_video.cache_hits_total, 3);
  EXPECT_EQ(s.media_cache_hits_total, 3);

  // The frames as image items behind <|image|> ids at the same positions
  // give the same continuation: video soft tokens are placed like images'.
  PromptInput as_images = prompt;
  const tokenizer::SpecialTokenIds& ids = fe->tokenizer().special_ids();
  for (MediaInput& m : as_images.media) {
    m.kind = MediaInput::Kind::kImage;
    m.content_hash += "/as-image";
    for (int t = 0; t < m.num_soft_tokens; ++t) {
      ASSERT_EQ(as_images.token_ids[m.first_token_index + t],
                ids.video_placeholder);
      as_images.token_ids[m.first_token_index + t] = ids.image_placeholder;
    }
  }
  ASSERT_OK_AND_ASSIGN(GenerationResult third, RunPrompt(*pool, as_images));
  ASSERT_EQ(third.token_ids.size(), first.token_ids.size());
  EXPECT_TRUE(std::equal(first.token_ids.begin() + prompt.token_ids.size(),
                         first.token_ids.end(),
                         third.token_ids.begin() + prompt.token_ids.size()));
  EXPECT_EQ(StatsOf(*pool).media_image.items_total, 3);
}

}  // namespace
}  // namespace gemma::engine
