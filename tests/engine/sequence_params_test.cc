#include <cmath>

#include "engine/generation_params.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace gemma::engine {
namespace {

using ::absl::StatusCode;
using ::gemma::testing::StatusIs;
using ::testing::ElementsAre;

ModelLimits Limits() {
  ModelLimits l;
  l.vocab_size = 768;
  l.context_length = 256;
  l.default_max_length = 128;
  return l;
}

TEST(GenerationParamsTest, DefaultsAreValid) {
  EXPECT_OK(ValidateGenerationParams(GenerationParams(), Limits()));
}

TEST(GenerationParamsTest, SamplerRangesAreChecked) {
  GenerationParams p;
  p.sampler.temperature = 0;
  EXPECT_THAT(ValidateGenerationParams(p, Limits()),
              StatusIs(StatusCode::kInvalidArgument, "temperature"));
  p.sampler.temperature = -1;
  EXPECT_THAT(ValidateGenerationParams(p, Limits()),
              StatusIs(StatusCode::kInvalidArgument, "temperature"));
  p = GenerationParams();
  p.sampler.type = SamplerType::kTopK;
  p.sampler.k = 0;
  EXPECT_THAT(ValidateGenerationParams(p, Limits()),
              StatusIs(StatusCode::kInvalidArgument, "k must be in [1, 768]"));
  p.sampler.k = 769;
  EXPECT_THAT(ValidateGenerationParams(p, Limits()),
              StatusIs(StatusCode::kInvalidArgument, "k must be in [1, 768]"));
  p = GenerationParams();
  p.sampler.type = SamplerType::kTopP;
  p.sampler.p = 1.01f;
  EXPECT_THAT(ValidateGenerationParams(p, Limits()),
              StatusIs(StatusCode::kInvalidArgument, "p must be in [0, 1]"));
  p = GenerationParams();
  p.sampler.type = SamplerType::kBeam;
  p.sampler.num_beams = 0;
  EXPECT_THAT(ValidateGenerationParams(p, Limits()),
              StatusIs(StatusCode::kInvalidArgument, "num_beams"));
  p = GenerationParams();
  p.sampler.type = SamplerType::kContrastive;
  p.sampler.alpha = -0.1f;
  EXPECT_THAT(ValidateGenerationParams(p, Limits()),
              StatusIs(StatusCode::kInvalidArgument, "alpha"));
}

TEST(GenerationParamsTest, LengthAndStopChecks) {
  GenerationParams p;
  p.max_length = 0;
  EXPECT_THAT(ValidateGenerationParams(p, Limits()),
              StatusIs(StatusCode::kInvalidArgument, "max_length"));
  p.max_length = 257;
  EXPECT_THAT(ValidateGenerationParams(p, Limits()),
              StatusIs(StatusCode::kInvalidArgument, "context length 256"));
  p = GenerationParams();
  p.max_new_tokens = 0;
  EXPECT_THAT(ValidateGenerationParams(p, Limits()),
              StatusIs(StatusCode::kInvalidArgument, "max_new_tokens"));
  p = GenerationParams();
  p.stop_mode = StopTokensMode::kExplicit;
  p.stop_token_ids = {1, 768};
  EXPECT_THAT(ValidateGenerationParams(p, Limits()),
              StatusIs(StatusCode::kInvalidArgument, "stop token id 768"));
  p = GenerationParams();
  p.stop_strings = {""};
  EXPECT_THAT(ValidateGenerationParams(p, Limits()),
              StatusIs(StatusCode::kInvalidArgument, "stop strings"));
  p = GenerationParams();
  p.top_logprobs = 21;
  EXPECT_THAT(ValidateGenerationParams(p, Limits()),
              StatusIs(StatusCode::kInvalidArgument, "top_logprobs"));
}

TEST(EffectiveMaxLengthTest, Rules) {
  GenerationParams p;
  // Neither set: the default max_length.
  EXPECT_EQ(*EffectiveMaxLength(p, 10, Limits()), 128);
  EXPECT_THAT(EffectiveMaxLength(p, 129, Limits()),
              StatusIs(StatusCode::kInvalidArgument, "default max_length"));
  // max_length only.
  p.max_length = 200;
  EXPECT_EQ(*EffectiveMaxLength(p, 10, Limits()), 200);
  EXPECT_EQ(*EffectiveMaxLength(p, 200, Limits()), 200);  // Nothing new.
  EXPECT_THAT(
      EffectiveMaxLength(p, 201, Limits()),
      StatusIs(StatusCode::kInvalidArgument, "shorter than the prompt"));
  // Both: the tighter one.
  p.max_new_tokens = 5;
  EXPECT_EQ(*EffectiveMaxLength(p, 10, Limits()), 15);
  p.max_length = 12;
  EXPECT_EQ(*EffectiveMaxLength(p, 10, Limits()), 12);
  // max_new_tokens only: not bounded by the default, but by the context.
  p.max_length.reset();
  p.max_new_tokens = 100;
  EXPECT_EQ(*EffectiveMaxLength(p, 150, Limits()), 250);
  EXPECT_EQ(*EffectiveMaxLength(p, 200, Limits()), 256);
  EXPECT_THAT(EffectiveMaxLength(p, 257, Limits()),
              StatusIs(StatusCode::kInvalidArgument, "context length 256"));
}

TEST(ValidatePromptTest, ChecksIdsAndLength) {
  GenerationParams p;
  PromptInput prompt;
  EXPECT_THAT(ValidatePrompt(prompt, p, Limits()),
              StatusIs(StatusCode::kInvalidArgument, "empty"));
  prompt.token_ids = {2, 5, 768};
  EXPECT_THAT(
      ValidatePrompt(prompt, p, Limits()),
      StatusIs(StatusCode::kInvalidArgument, "prompt token 2 has id 768"));
  prompt.token_ids = {2, 5, -1};
  EXPECT_THAT(ValidatePrompt(prompt, p, Limits()),
              StatusIs(StatusCode::kInvalidArgument, "id -1"));
  prompt.token_ids = {2, 5, 6};
  EXPECT_OK(ValidatePrompt(prompt, p, Limits()));
}

TEST(ResolveStopTokenIdsTest, Modes) {
  StopTokenDefaults d;
  d.base = {106, 1};
  d.chat_extra = {1, 106, 50};
  GenerationParams p;
  EXPECT_THAT(ResolveStopTokenIds(p, false, d), ElementsAre(1, 106));
  EXPECT_THAT(ResolveStopTokenIds(p, true, d), ElementsAre(1, 50, 106));
  p.stop_mode = StopTokensMode::kNone;
  EXPECT_TRUE(ResolveStopTokenIds(p, true, d).empty());
  p.stop_mode = StopTokensMode::kExplicit;
  p.stop_token_ids = {7, 3, 7};
  EXPECT_THAT(ResolveStopTokenIds(p, true, d), ElementsAre(3, 7));
}

TEST(ToSamplingConfigTest, CopiesFields) {
  SamplerParams s;
  s.type = SamplerType::kTopP;
  s.temperature = 0.7f;
  s.k = 0;
  s.p = 0.9f;
  model::SamplingConfig c = ToSamplingConfig(s);
  EXPECT_EQ(c.kind, model::SamplerKind::kTopP);
  EXPECT_EQ(c.temperature, 0.7f);
  EXPECT_EQ(c.k, 0);
  EXPECT_EQ(c.p, 0.9f);
}

}  // namespace
}  // namespace gemma::engine
