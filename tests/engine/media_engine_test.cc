// Images and audio through the engine on the golden multimodal checkpoints:
// the Hugging Face pipeline prompts (front end from the PNG, vision tower
// and soft tokens inside the engine's chunked prefill) give the golden
// greedy continuations; keras-hub's audio prompts from the WAV likewise;
// the encoder cache, the one-tower-call-per-step rule and media errors.
#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/frontend.h"
#include "engine/media_limits.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/engine/engine_test_util.h"
#include "tests/testing/status_matchers.h"

namespace gemma::engine {
namespace {

using ::absl::StatusCode;
using ::gemma::testing::StatusIs;

std::string ReadGolden(const std::string& rel) {
  std::ifstream in(gemma::testing::GoldenPath(rel), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<int32_t> GoldenInts(const std::string& rel) {
  auto a = gemma::testing::ReadNpy(gemma::testing::GoldenPath(rel));
  EXPECT_TRUE(a.ok()) << a.status();
  return a.ok() ? a->ToInts() : std::vector<int32_t>();
}

MediaBlob Blob(MediaBlob::Kind kind, const std::string& rel) {
  MediaBlob b;
  b.kind = kind;
  b.bytes = ReadGolden(rel);
  EXPECT_FALSE(b.bytes.empty()) << rel;
  return b;
}

// The golden case served with its towers; prefill chunks of at most 48
// tokens, so every image (60-70 soft tokens) meets a chunk boundary.
ModelSpec MediaSpec(const std::string& golden_case) {
  ModelSpec spec = GoldenSpec(golden_case);
  spec.load_vision = true;
  spec.load_audio = true;
  return spec;
}

absl::StatusOr<Request> TextMediaRequest(const Frontend& fe,
                                         const std::string& text,
                                         std::vector<MediaBlob> media,
                                         const GenerationParams& params,
                                         std::shared_ptr<RequestSink> sink) {
  auto in = fe.FromText(text, media);
  if (!in.ok()) return in.status();
  Request r;
  r.model = kTestModel;
  r.prompts.push_back(*std::move(in));
  r.params = params;
  r.params.max_length = 1024;  // Only max_new_tokens limits.
  r.sink = std::move(sink);
  return r;
}

EngineStats StatsOf(const Engine& engine) {
  std::vector<EngineStats> s = engine.Stats();
  return s.empty() ? EngineStats() : s[0];
}

struct HfPipeCase {
  std::string golden_case;
  int prompt;
};

class HfPipeEngineTest : public ::testing::TestWithParam<HfPipeCase> {};

// README: the 12 new tokens of hfpipe_prompt{i} are the iterated full-
// forward argmax (Hugging Face masks at prefill); the smallest top-1/top-2
// margin along them is 0.02, far above float32 noise, so they must match
// exactly.
TEST_P(HfPipeEngineTest, GreedyContinuationMatchesGolden) {
  const HfPipeCase& c = GetParam();
  ASSERT_OK_AND_ASSIGN(auto pool, MakePool(MediaSpec(c.golden_case)));
  EXPECT_TRUE(pool->ListModels()[0].image);
  ASSERT_OK_AND_ASSIGN(const Frontend* fe, pool->GetFrontend(kTestModel));
  const nlohmann::json hf = nlohmann::json::parse(
      ReadGolden(c.golden_case + "/hfpipe_expected.json"));
  const nlohmann::json& p = hf["prompts"][c.prompt];
  const std::string pre =
      c.golden_case + "/hfpipe_prompt" + std::to_string(c.prompt);
  const std::vector<int32_t> want =
      GoldenInts(pre + "_iterated_forward_argmax_token_ids.npy");
  auto sink = std::make_shared<CollectingSink>();
  ASSERT_OK_AND_ASSIGN(
      Request r, TextMediaRequest(
                     *fe, p["text"].get<std::string>(),
                     {Blob(MediaBlob::Kind::kImage,
                           "media/" + p["image"].get<std::string>() + ".png")},
                     FixedLengthGreedy(12), sink));
  EXPECT_EQ(r.prompts[0].token_ids, GoldenInts(pre + "_token_ids.npy"));
  ASSERT_OK(pool->Submit(std::move(r)));
  ASSERT_TRUE(sink->WaitDone(absl::Seconds(120)));
  GenerationResult res = sink->result();
  ASSERT_OK(res.status);
  EXPECT_EQ(res.token_ids, want);
  EXPECT_EQ(sink->violations(), 0);
  const EngineStats s = StatsOf(*pool);
  EXPECT_EQ(s.media_items_total, 1);
  EXPECT_EQ(s.media_soft_tokens_total, p["num_soft_tokens"].get<int>());
  EXPECT_GE(s.media_encoder_calls_total, 1);
  EXPECT_GT(s.media_encoder_seconds_total, 0.0);
}

INSTANTIATE_TEST_SUITE_P(Goldens, HfPipeEngineTest,
                         ::testing::Values(HfPipeCase{"e2b_vision", 0},
                                           HfPipeCase{"e2b_vision", 1},
                                           HfPipeCase{"dense_vision", 0},
                                           HfPipeCase{"dense_vision", 1}));

// keras-hub's audio prompts from the WAV files, with keras-hub's feature
// convention (its placeholder count): prompt{i}_generate_token_ids.npy,
// which README states equals the iterated full-forward argmax.
TEST(MediaEngineTest, AudioPromptsMatchKerasHubGenerate) {
  ModelSpec spec = MediaSpec("e2b_audio");
  spec.audio_convention = preprocess::AudioFeatureConvention::kKerasHub;
  ASSERT_OK_AND_ASSIGN(auto pool, MakePool(spec));
  EXPECT_TRUE(pool->ListModels()[0].audio);
  ASSERT_OK_AND_ASSIGN(const Frontend* fe, pool->GetFrontend(kTestModel));
  const nlohmann::json ex =
      nlohmann::json::parse(ReadGolden("e2b_audio/expected.json"));
  for (int i = 0; i < 2; ++i) {
    const nlohmann::json& p = ex["prompts"][i];
    const std::string pre = "e2b_audio/prompt" + std::to_string(i);
    const std::vector<int32_t> want =
        GoldenInts(pre + "_generate_token_ids.npy");
    const std::vector<int32_t> prompt = GoldenInts(pre + "_token_ids.npy");
    auto sink = std::make_shared<CollectingSink>();
    ASSERT_OK_AND_ASSIGN(
        Request r,
        TextMediaRequest(
            *fe, p["text"].get<std::string>(),
            {Blob(MediaBlob::Kind::kAudio,
                  "media/" + p["audio"].get<std::string>() + ".wav")},
            FixedLengthGreedy(static_cast<int>(want.size() - prompt.size())),
            sink));
    EXPECT_EQ(r.prompts[0].token_ids, prompt);
    ASSERT_OK(pool->Submit(std::move(r)));
    ASSERT_TRUE(sink->WaitDone(absl::Seconds(120)));
    ASSERT_OK(sink->result().status);
    EXPECT_EQ(sink->result().token_ids, want) << "prompt " << i;
  }
}

// The same image in two requests at once goes through the tower once; both
// get the golden tokens.
TEST(MediaEngineTest, SameImageInFlightIsEncodedOnce) {
  ASSERT_OK_AND_ASSIGN(auto pool, MakePool(MediaSpec("e2b_vision")));
  ASSERT_OK_AND_ASSIGN(const Frontend* fe, pool->GetFrontend(kTestModel));
  const nlohmann::json hf =
      nlohmann::json::parse(ReadGolden("e2b_vision/hfpipe_expected.json"));
  const nlohmann::json& p = hf["prompts"][0];
  const std::vector<int32_t> want = GoldenInts(
      "e2b_vision/hfpipe_prompt0_iterated_forward_argmax_token_ids.npy");
  const MediaBlob png = Blob(MediaBlob::Kind::kImage, "media/image0.png");
  std::vector<std::shared_ptr<CollectingSink>> sinks;
  for (int i = 0; i < 2; ++i) {
    sinks.push_back(std::make_shared<CollectingSink>());
    ASSERT_OK_AND_ASSIGN(
        Request r, TextMediaRequest(*fe, p["text"].get<std::string>(), {png},
                                    FixedLengthGreedy(12), sinks.back()));
    ASSERT_OK(pool->Submit(std::move(r)));
  }
  for (auto& sink : sinks) {
    ASSERT_TRUE(sink->WaitDone(absl::Seconds(120)));
    ASSERT_OK(sink->result().status);
    EXPECT_EQ(sink->result().token_ids, want);
  }
  const EngineStats s = StatsOf(*pool);
  EXPECT_EQ(s.media_items_total, 2);
  EXPECT_EQ(s.media_encoder_calls_total, 1);
  EXPECT_GE(s.media_cache_hits_total, 1);
}

// The prefix cache never serves an image's blocks to a different image
// behind the same placeholder ids: the golden prompt 1 (image1) after the
// same text with image0 still gives its golden tokens, while the text
// before the image is reused.
TEST(MediaEngineTest, PrefixCacheDoesNotReuseAnotherImagesBlocks) {
  ASSERT_OK_AND_ASSIGN(auto pool, MakePool(MediaSpec("e2b_vision")));
  ASSERT_OK_AND_ASSIGN(const Frontend* fe, pool->GetFrontend(kTestModel));
  const nlohmann::json hf =
      nlohmann::json::parse(ReadGolden("e2b_vision/hfpipe_expected.json"));
  const nlohmann::json& p = hf["prompts"][1];
  ASSERT_EQ(p["image"].get<std::string>(), "image1");
  const std::vector<int32_t> want = GoldenInts(
      "e2b_vision/hfpipe_prompt1_iterated_forward_argmax_token_ids.npy");
  for (const char* image : {"image0", "image1"}) {
    auto sink = std::make_shared<CollectingSink>();
    ASSERT_OK_AND_ASSIGN(
        Request r,
        TextMediaRequest(*fe, p["text"].get<std::string>(),
                         {Blob(MediaBlob::Kind::kImage,
                               std::string("media/") + image + ".png")},
                         FixedLengthGreedy(12), sink));
    ASSERT_OK(pool->Submit(std::move(r)));
    ASSERT_TRUE(sink->WaitDone(absl::Seconds(120)));
    ASSERT_OK(sink->result().status);
    if (std::string(image) == "image1") {
      EXPECT_EQ(sink->result().token_ids, want);
    }
  }
  EXPECT_EQ(StatsOf(*pool).media_encoder_calls_total, 2);
}

// A stream that is decoding keeps getting tokens while an image prompt is
// admitted and prefilled in chunks: its tokens arrive before the image
// prompt's first token.
TEST(MediaEngineTest, TextStreamKeepsDecodingDuringImagePrefill) {
  ASSERT_OK_AND_ASSIGN(auto pool, MakePool(MediaSpec("e2b_vision")));
  ASSERT_OK_AND_ASSIGN(const Frontend* fe, pool->GetFrontend(kTestModel));
  const nlohmann::json hf =
      nlohmann::json::parse(ReadGolden("e2b_vision/hfpipe_expected.json"));
  const nlohmann::json& p = hf["prompts"][0];
  // The image request is built (preprocessed) before the text stream
  // starts, so its submission follows the text's first token at once.
  auto image_sink = std::make_shared<CollectingSink>();
  ASSERT_OK_AND_ASSIGN(
      Request image,
      TextMediaRequest(*fe, p["text"].get<std::string>(),
                       {Blob(MediaBlob::Kind::kImage, "media/image0.png")},
                       FixedLengthGreedy(1), image_sink));
  auto text_sink = std::make_shared<CollectingSink>();
  ASSERT_OK_AND_ASSIGN(Request text,
                       TextMediaRequest(*fe, "Tell me a story about", {},
                                        FixedLengthGreedy(400), text_sink));
  ASSERT_OK(pool->Submit(std::move(text)));
  // Wait until it decodes.
  for (int i = 0; i < 20000 && text_sink->streamed().empty(); ++i) {
    absl::SleepFor(absl::Microseconds(100));
  }
  ASSERT_FALSE(text_sink->streamed().empty());
  const size_t before = text_sink->streamed().size();
  ASSERT_OK(pool->Submit(std::move(image)));
  ASSERT_TRUE(image_sink->WaitDone(absl::Seconds(120)));
  const size_t after = text_sink->streamed().size();
  // The image prompt (103 tokens) needs at least 3 steps of at most 48
  // tokens; each of them also decodes the text stream.
  EXPECT_GE(after - before, 2u);
  ASSERT_TRUE(text_sink->WaitDone(absl::Seconds(120)));
  EXPECT_OK(text_sink->result().status);
  EXPECT_EQ(text_sink->violations(), 0);
}

TEST(MediaEngineTest, MediaErrorsAreInvalidArgument) {
  // A text-only model refuses media items.
  ASSERT_OK_AND_ASSIGN(auto text_pool, MakePool(GoldenSpec("e2b_like")));
  PromptInput in;
  in.token_ids = {2, 10, 12, 11};
  MediaInput m;
  m.kind = MediaInput::Kind::kImage;
  m.rows = 1;
  m.num_soft_tokens = 1;
  m.first_token_index = 2;
  in.media.push_back(m);
  Request r;
  r.model = kTestModel;
  r.prompts.push_back(in);
  r.params = FixedLengthGreedy(1);
  r.sink = std::make_shared<CollectingSink>();
  EXPECT_THAT(text_pool->Submit(r),
              StatusIs(StatusCode::kInvalidArgument, "no vision or audio"));

  // Inconsistent arrays or placeholders past the prompt.
  ASSERT_OK_AND_ASSIGN(auto pool, MakePool(MediaSpec("e2b_vision")));
  EXPECT_THAT(pool->Submit(r),
              StatusIs(StatusCode::kInvalidArgument, "image pixels hold"));
  ASSERT_OK_AND_ASSIGN(const Frontend* fe, pool->GetFrontend(kTestModel));
  ASSERT_OK_AND_ASSIGN(
      PromptInput good,
      fe->FromText("Look: <|image|>",
                   {Blob(MediaBlob::Kind::kImage, "media/image0.png")}));
  good.token_ids.resize(good.media[0].first_token_index + 5);
  r.prompts = {good};
  EXPECT_THAT(pool->Submit(r),
              StatusIs(StatusCode::kInvalidArgument, "run past the prompt"));
  // Audio sent to a model without an audio tower.
  good.media[0].kind = MediaInput::Kind::kAudio;
  r.prompts = {good};
  EXPECT_THAT(pool->Submit(r),
              StatusIs(StatusCode::kInvalidArgument, "no audio tower"));
}

// Each limit breached gives INVALID_ARGUMENT naming its flag; the defaults
// accept the golden media.
TEST(MediaLimitsTest, BreachesAreInvalidArgument) {
  const MediaBlob png = Blob(MediaBlob::Kind::kImage, "media/image0.png");
  const MediaLimits defaults;
  EXPECT_OK(CheckMediaBlobs({png, png}, defaults));
  MediaLimits limits;
  limits.max_parts = 1;
  EXPECT_THAT(CheckMediaBlobs({png, png}, limits),
              StatusIs(StatusCode::kInvalidArgument, "--max_media_parts"));
  limits = MediaLimits();
  limits.max_image_pixels = 61 * 97 - 1;  // image0 is 97x61.
  EXPECT_THAT(CheckMediaBlobs({png}, limits),
              StatusIs(StatusCode::kInvalidArgument, "--max_image_pixels"));
  limits.max_image_pixels = 61 * 97;
  EXPECT_OK(CheckMediaBlobs({png}, limits));

  PromptInput audio;
  MediaInput clip;
  clip.kind = MediaInput::Kind::kAudio;
  clip.feature_mask.assign(300, 1);  // 3 s of valid frames.
  clip.feature_mask.resize(3000, 0);
  audio.media.push_back(clip);
  EXPECT_OK(CheckPreprocessedMedia(audio, defaults));
  limits = MediaLimits();
  limits.max_audio_seconds = 2.5;
  EXPECT_THAT(CheckPreprocessedMedia(audio, limits),
              StatusIs(StatusCode::kInvalidArgument, "--max_audio_seconds"));

  limits = MediaLimits();
  limits.max_video_frames = 2;
  EXPECT_OK(CheckVideoFrames(0, 2, 40, limits));
  EXPECT_THAT(CheckVideoFrames(1, 3, 40, limits),
              StatusIs(StatusCode::kInvalidArgument,
                       "media part 1: the video gives 3 sampled frames (of "
                       "its 40), more than the limit of 2 "
                       "(--max_video_frames)"));
  // A list of frames is counted before decoding (min(frames, 32)).
  MediaBlob frames;
  frames.kind = MediaBlob::Kind::kVideo;
  frames.frames.assign(3, "frame");
  EXPECT_THAT(CheckMediaBlobs({frames}, limits),
              StatusIs(StatusCode::kInvalidArgument, "--max_video_frames"));
  frames.frames.resize(2);
  EXPECT_OK(CheckMediaBlobs({frames}, limits));
}

// The limits apply where prompts are built: a model served with a pixel
// limit refuses the image through its front end.
TEST(MediaLimitsTest, FrontendAppliesTheModelsLimits) {
  ModelSpec spec = MediaSpec("e2b_vision");
  spec.media_limits.max_image_pixels = 1000;
  ASSERT_OK_AND_ASSIGN(auto pool, MakePool(spec));
  ASSERT_OK_AND_ASSIGN(const Frontend* fe, pool->GetFrontend(kTestModel));
  EXPECT_THAT(fe->FromText("Look: <|image|>",
                           {Blob(MediaBlob::Kind::kImage, "media/image0.png")}),
              StatusIs(StatusCode::kInvalidArgument, "--max_image_pixels"));
}

}  // namespace
}  // namespace gemma::engine
