#include "server/generation_options.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace gemma::server {
namespace {

using ::gemma::testing::StatusIs;
using gemma4::v1::GenerationOptions;

TEST(ToGenerationParamsTest, DefaultsMirrorKerasHub) {
  ASSERT_OK_AND_ASSIGN(engine::GenerationParams p,
                       ToGenerationParams(GenerationOptions()));
  EXPECT_EQ(p.sampler.type, engine::SamplerType::kGreedy);
  EXPECT_FLOAT_EQ(p.sampler.temperature, 1.0f);
  EXPECT_EQ(p.sampler.k, 5);
  EXPECT_FLOAT_EQ(p.sampler.p, 0.1f);
  EXPECT_EQ(p.sampler.num_beams, 5);
  EXPECT_FLOAT_EQ(p.sampler.alpha, 0.6f);
  EXPECT_FALSE(p.sampler.seed.has_value());
  EXPECT_FALSE(p.max_length.has_value());
  EXPECT_FALSE(p.max_new_tokens.has_value());
  EXPECT_EQ(p.stop_mode, engine::StopTokensMode::kAuto);
  EXPECT_FALSE(p.strip_prompt);
  EXPECT_EQ(p.top_logprobs, 0);
}

TEST(ToGenerationParamsTest, ConvertsEveryField) {
  GenerationOptions o;
  o.set_max_length(40);
  o.set_max_new_tokens(7);
  o.mutable_stop_tokens()->set_mode(gemma4::v1::StopTokens::MODE_EXPLICIT);
  o.mutable_stop_tokens()->add_ids(1);
  o.mutable_stop_tokens()->add_ids(106);
  o.add_stop_strings("\n\n");
  o.set_strip_prompt(true);
  o.mutable_sampler()->set_type(gemma4::v1::SAMPLER_TYPE_TOP_P);
  o.mutable_sampler()->set_temperature(0.7f);
  o.mutable_sampler()->set_p(0.9f);
  o.set_seed(42);
  o.set_top_logprobs(3);
  o.set_priority(2);
  ASSERT_OK_AND_ASSIGN(engine::GenerationParams p, ToGenerationParams(o));
  EXPECT_EQ(p.max_length, 40);
  EXPECT_EQ(p.max_new_tokens, 7);
  EXPECT_EQ(p.stop_mode, engine::StopTokensMode::kExplicit);
  EXPECT_THAT(p.stop_token_ids, ::testing::ElementsAre(1, 106));
  EXPECT_THAT(p.stop_strings, ::testing::ElementsAre("\n\n"));
  EXPECT_TRUE(p.strip_prompt);
  EXPECT_EQ(p.sampler.type, engine::SamplerType::kTopP);
  EXPECT_FLOAT_EQ(p.sampler.temperature, 0.7f);
  EXPECT_FLOAT_EQ(p.sampler.p, 0.9f);
  EXPECT_EQ(p.sampler.k, 0);  // top_p's k is off unless given.
  EXPECT_EQ(p.sampler.seed, 42u);
  EXPECT_EQ(p.top_logprobs, 3);
  EXPECT_EQ(p.priority, 2);
}

TEST(ToGenerationParamsTest, StopModeNone) {
  GenerationOptions o;
  o.mutable_stop_tokens()->set_mode(gemma4::v1::StopTokens::MODE_NONE);
  ASSERT_OK_AND_ASSIGN(engine::GenerationParams p, ToGenerationParams(o));
  EXPECT_EQ(p.stop_mode, engine::StopTokensMode::kNone);
}

// Each bad field is refused with a message naming it.
TEST(ToGenerationParamsTest, RejectsOutOfRangeFields) {
  const struct {
    void (*set)(GenerationOptions&);
    const char* field;
  } cases[] = {
      {[](GenerationOptions& o) { o.mutable_sampler()->set_temperature(0); },
       "temperature"},
      {[](GenerationOptions& o) { o.mutable_sampler()->set_temperature(-1); },
       "temperature"},
      {[](GenerationOptions& o) {
         o.mutable_sampler()->set_temperature(std::nanf(""));
       },
       "temperature"},
      {[](GenerationOptions& o) {
         o.mutable_sampler()->set_type(gemma4::v1::SAMPLER_TYPE_TOP_K);
         o.mutable_sampler()->set_k(0);
       },
       "sampler.k"},
      {[](GenerationOptions& o) { o.mutable_sampler()->set_p(1.5f); },
       "sampler.p"},
      {[](GenerationOptions& o) { o.mutable_sampler()->set_num_beams(0); },
       "num_beams"},
      {[](GenerationOptions& o) { o.mutable_sampler()->set_alpha(-0.1f); },
       "alpha"},
      {[](GenerationOptions& o) {
         o.mutable_sampler()->set_type(
             static_cast<gemma4::v1::SamplerType>(99));
       },
       "sampler.type"},
      {[](GenerationOptions& o) { o.set_max_length(1); }, "max_length"},
      {[](GenerationOptions& o) { o.set_max_new_tokens(0); }, "max_new_tokens"},
      {[](GenerationOptions& o) { o.set_top_logprobs(21); }, "top_logprobs"},
      {[](GenerationOptions& o) { o.add_stop_strings(""); }, "stop_strings[0]"},
      {[](GenerationOptions& o) { o.add_stop_strings("\xFF"); },
       "stop_strings[0]"},
      {[](GenerationOptions& o) {
         o.mutable_stop_tokens()->set_mode(
             gemma4::v1::StopTokens::MODE_EXPLICIT);
       },
       "stop_tokens"},
      {[](GenerationOptions& o) { o.mutable_stop_tokens()->add_ids(5); },
       "stop_tokens.ids"},
      {[](GenerationOptions& o) {
         o.mutable_stop_tokens()->set_mode(
             gemma4::v1::StopTokens::MODE_EXPLICIT);
         o.mutable_stop_tokens()->add_ids(-3);
       },
       "stop_tokens.ids[0]"},
  };
  for (const auto& c : cases) {
    GenerationOptions o;
    c.set(o);
    EXPECT_THAT(ToGenerationParams(o),
                StatusIs(absl::StatusCode::kInvalidArgument, c.field))
        << o.DebugString();
  }
}

engine::ModelInfo Model() {
  engine::ModelInfo m;
  m.name = "m";
  m.vocab_size = 100;
  m.context_length = 64;
  m.default_max_length = 32;
  return m;
}

engine::PromptInput Prompt(int n) {
  engine::PromptInput p;
  p.token_ids.assign(n, 7);
  return p;
}

TEST(CheckAgainstModelTest, AcceptsAFittingRequest) {
  engine::GenerationParams p;
  EXPECT_OK(CheckAgainstModel(Model(), {Prompt(10)}, p));
  p.max_length = 64;
  EXPECT_OK(CheckAgainstModel(Model(), {Prompt(64)}, p));
}

TEST(CheckAgainstModelTest, RejectsWhatTheModelCannotDo) {
  engine::GenerationParams p;
  // Longer than the default max_length (32) with no limits given.
  EXPECT_THAT(CheckAgainstModel(Model(), {Prompt(33)}, p),
              StatusIs(absl::StatusCode::kInvalidArgument, "max_length"));
  // max_new_tokens alone lifts the default limit...
  p.max_new_tokens = 4;
  EXPECT_OK(CheckAgainstModel(Model(), {Prompt(33)}, p));
  // ...but not the context.
  EXPECT_THAT(CheckAgainstModel(Model(), {Prompt(65)}, p),
              StatusIs(absl::StatusCode::kInvalidArgument, "context"));
  p = {};
  p.max_length = 10;  // Below the prompt.
  EXPECT_THAT(CheckAgainstModel(Model(), {Prompt(8), Prompt(11)}, p),
              StatusIs(absl::StatusCode::kInvalidArgument, "prompts[1]"));
  p.max_length = 65;  // Beyond the context.
  EXPECT_THAT(CheckAgainstModel(Model(), {Prompt(8)}, p),
              StatusIs(absl::StatusCode::kInvalidArgument, "at most 64"));
  p = {};
  engine::PromptInput bad = Prompt(3);
  bad.token_ids[1] = 100;  // Outside the vocabulary.
  EXPECT_THAT(CheckAgainstModel(Model(), {bad}, p),
              StatusIs(absl::StatusCode::kInvalidArgument, "token 1"));
  p.stop_mode = engine::StopTokensMode::kExplicit;
  p.stop_token_ids = {1, 100};
  EXPECT_THAT(CheckAgainstModel(Model(), {Prompt(3)}, p),
              StatusIs(absl::StatusCode::kInvalidArgument, "ids[1]"));
  p = {};
  p.sampler.type = engine::SamplerType::kTopK;
  p.sampler.k = 101;
  EXPECT_THAT(CheckAgainstModel(Model(), {Prompt(3)}, p),
              StatusIs(absl::StatusCode::kInvalidArgument, "sampler.k"));
  EXPECT_THAT(CheckAgainstModel(Model(), {engine::PromptInput()}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, "empty"));
}

}  // namespace
}  // namespace gemma::server
