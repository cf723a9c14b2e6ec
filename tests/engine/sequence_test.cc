#include "engine/sequence.h"

#include <memory>
#include <string>
#include <vector>

#include "base/mapped_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"
#include "tokenizer/tokenizer.h"

namespace gemma::engine {
namespace {

using ::absl::StatusCode;
using ::gemma::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

constexpr int kVocab = 768;

class SequenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tok = tokenizer::Tokenizer::FromSpmFile(
        gemma::testing::GoldenPath("e2b_like/hf/tokenizer.model"));
    ASSERT_OK(tok.status());
    tok_ = *std::move(tok);
    ASSERT_EQ(tok_->vocab_size(), kVocab);
    limits_.vocab_size = kVocab;
    limits_.context_length = 128;
    limits_.default_max_length = 64;
    const auto& s = tok_->special_ids();
    defaults_.base = {s.eos, s.turn_end};
    defaults_.chat_extra = {};
  }

  std::vector<int32_t> Encode(const std::string& text) {
    std::vector<int> ids = tok_->Encode(text);
    return std::vector<int32_t>(ids.begin(), ids.end());
  }

  // A logits row whose argmax is `token`.
  static std::vector<float> OneHot(int32_t token) {
    std::vector<float> row(kVocab, 0.0f);
    row[token] = 10.0f;
    return row;
  }

  std::unique_ptr<Sequence> Make(const GenerationParams& params,
                                 std::vector<int32_t> prompt_ids = {}) {
    PromptInput prompt;
    prompt.token_ids =
        prompt_ids.empty() ? std::vector<int32_t>{2, 100, 200} : prompt_ids;
    auto seq = Sequence::Create(tok_.get(), prompt, params, limits_, defaults_,
                                /*prompt_index=*/3, /*seed=*/1);
    EXPECT_OK(seq.status());
    return seq.ok() ? *std::move(seq) : nullptr;
  }

  // Feeds `tokens` greedily until the sequence finishes; returns the
  // concatenated chunk text and checks chunk bookkeeping.
  std::string Drive(Sequence* seq, const std::vector<int32_t>& tokens,
                    std::vector<int32_t>* chunk_ids = nullptr) {
    std::string text;
    for (int32_t t : tokens) {
      if (seq->finished()) break;
      seq->AcceptLogits(OneHot(t));
      if (auto chunk = seq->TakeChunk()) {
        EXPECT_EQ(chunk->prompt_index, 3);
        text += chunk->text;
        if (chunk_ids) {
          chunk_ids->insert(chunk_ids->end(), chunk->token_ids.begin(),
                            chunk->token_ids.end());
        }
      }
    }
    return text;
  }

  std::unique_ptr<tokenizer::Tokenizer> tok_;
  ModelLimits limits_;
  StopTokenDefaults defaults_;
};

TEST_F(SequenceTest, GreedyToLengthLimit) {
  GenerationParams params;
  params.max_new_tokens = 4;
  auto seq = Make(params);
  std::vector<int32_t> gen = Encode("Hello world, this is");
  ASSERT_GE(gen.size(), 4u);
  gen.resize(4);
  std::vector<int32_t> chunk_ids;
  std::string streamed = Drive(seq.get(), gen, &chunk_ids);
  ASSERT_TRUE(seq->finished());
  EXPECT_EQ(chunk_ids, gen);
  GenerationResult r = seq->TakeResult();
  EXPECT_EQ(r.prompt_index, 3);
  EXPECT_EQ(r.finish_reason, FinishReason::kLength);
  std::vector<int32_t> expected = {2, 100, 200};
  expected.insert(expected.end(), gen.begin(), gen.end());
  EXPECT_EQ(r.token_ids, expected);
  const std::vector<int> gen_int(gen.begin(), gen.end());
  EXPECT_EQ(r.text, *tok_->Decode(gen_int));
  EXPECT_EQ(streamed, r.text);
  EXPECT_EQ(r.usage.prompt_tokens, 3);
  EXPECT_EQ(r.usage.completion_tokens, 4);
}

TEST_F(SequenceTest, AutoStopOnTurnEndKeepsItInTextAndIds) {
  GenerationParams params;
  params.max_new_tokens = 10;
  auto seq = Make(params);
  std::vector<int32_t> gen = Encode("Yes");
  const int32_t turn_end = tok_->special_ids().turn_end;
  gen.push_back(turn_end);
  gen.push_back(Encode("x")[0]);  // Never reached.
  std::string streamed = Drive(seq.get(), gen);
  ASSERT_TRUE(seq->finished());
  GenerationResult r = seq->TakeResult();
  EXPECT_EQ(r.finish_reason, FinishReason::kStopToken);
  EXPECT_EQ(r.matched_stop_token, turn_end);
  EXPECT_EQ(r.matched_stop, "<turn|>");
  EXPECT_EQ(r.token_ids.back(), turn_end);
  EXPECT_EQ(r.token_ids.size(), 3 + gen.size() - 1);
  // <turn|> is not a postprocess-special token (spec §5.4).
  EXPECT_EQ(r.text, "Yes<turn|>");
  EXPECT_EQ(streamed, r.text);
}

TEST_F(SequenceTest, EosStopsAndIsDroppedFromTextStripPrompt) {
  GenerationParams params;
  params.max_new_tokens = 10;
  params.strip_prompt = true;
  auto seq = Make(params);
  std::vector<int32_t> gen = Encode("Yes");
  gen.push_back(tok_->special_ids().eos);
  Drive(seq.get(), gen);
  GenerationResult r = seq->TakeResult();
  EXPECT_EQ(r.finish_reason, FinishReason::kStopToken);
  EXPECT_EQ(r.token_ids, gen);  // Generated only, stop token included.
  EXPECT_EQ(r.text, "Yes");
}

TEST_F(SequenceTest, StopModesNoneAndExplicit) {
  GenerationParams params;
  params.max_new_tokens = 3;
  params.stop_mode = StopTokensMode::kNone;
  auto seq = Make(params);
  const int32_t eos = tok_->special_ids().eos;
  Drive(seq.get(), {eos, eos, eos});
  GenerationResult r = seq->TakeResult();
  EXPECT_EQ(r.finish_reason, FinishReason::kLength);
  EXPECT_EQ(r.usage.completion_tokens, 3);

  params.stop_mode = StopTokensMode::kExplicit;
  params.stop_token_ids = {300};
  seq = Make(params);
  Drive(seq.get(), {eos, 300, 5});
  r = seq->TakeResult();
  EXPECT_EQ(r.finish_reason, FinishReason::kStopToken);
  EXPECT_EQ(r.matched_stop_token, 300);
  EXPECT_EQ(r.usage.completion_tokens, 2);
}

TEST_F(SequenceTest, StopStringTruncatesAndHoldsBackText) {
  GenerationParams params;
  params.max_new_tokens = 40;
  params.stop_strings = {"license"};
  auto seq = Make(params);
  std::vector<int32_t> gen = Encode("the license is here");
  // Feed token by token, checking that no emitted text runs into the stop
  // string.
  std::string streamed;
  for (int32_t t : gen) {
    if (seq->finished()) break;
    seq->AcceptLogits(OneHot(t));
    if (auto chunk = seq->TakeChunk()) streamed += chunk->text;
    EXPECT_EQ(streamed.find("lic"), std::string::npos) << streamed;
  }
  ASSERT_TRUE(seq->finished());
  GenerationResult r = seq->TakeResult();
  EXPECT_EQ(r.finish_reason, FinishReason::kStopString);
  EXPECT_EQ(r.matched_stop, "license");
  EXPECT_EQ(r.text, "the ");
  EXPECT_EQ(streamed, "the ");
  EXPECT_LT(r.usage.completion_tokens, static_cast<int>(gen.size()));
}

TEST_F(SequenceTest, HeldBackPrefixIsReleasedWhenItDoesNotMatch) {
  GenerationParams params;
  params.max_new_tokens = 40;
  params.stop_strings = {"the end"};
  auto seq = Make(params);
  std::string streamed = Drive(seq.get(), Encode("the cat and the"));
  EXPECT_FALSE(seq->finished());
  // The final "the" might still start "the end", so it is held back; the
  // first "the" was released once " cat" followed.
  EXPECT_EQ(streamed, "the cat and ");
  seq->Abort(FinishReason::kCancelled, absl::CancelledError("client left"));
  ASSERT_TRUE(seq->finished());
  auto chunk = seq->TakeChunk();
  ASSERT_TRUE(chunk.has_value());
  EXPECT_EQ(streamed + chunk->text, "the cat and the");
  GenerationResult r = seq->TakeResult();
  EXPECT_EQ(r.finish_reason, FinishReason::kCancelled);
  EXPECT_THAT(r.status, StatusIs(StatusCode::kCancelled));
  EXPECT_EQ(r.text, "the cat and the");
}

TEST_F(SequenceTest, ByteFallbackTextIsUtf8Safe) {
  GenerationParams params;
  params.max_new_tokens = 60;
  auto seq = Make(params);
  const std::string text = "日本語 🙂 ok";
  std::vector<int32_t> gen = Encode(text);
  std::string streamed;
  for (int32_t t : gen) {
    seq->AcceptLogits(OneHot(t));
    if (auto chunk = seq->TakeChunk()) {
      // Every delta is whole characters: no lead byte without its tail.
      const std::string& d = chunk->text;
      size_t i = 0;
      while (i < d.size()) {
        unsigned char c = d[i];
        size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        ASSERT_LE(i + len, d.size()) << "split character in chunk";
        i += len;
      }
      streamed += d;
    }
  }
  EXPECT_EQ(streamed, text);
}

TEST_F(SequenceTest, NoBudgetFinishesAtCreation) {
  GenerationParams params;
  params.max_length = 3;
  auto seq = Make(params);
  ASSERT_TRUE(seq->finished());
  GenerationResult r = seq->TakeResult();
  EXPECT_EQ(r.finish_reason, FinishReason::kLength);
  EXPECT_THAT(r.token_ids, ElementsAre(2, 100, 200));
  EXPECT_EQ(r.text, "");
}

TEST_F(SequenceTest, CreateRejectsBadInput) {
  GenerationParams params;
  params.max_length = 2;
  PromptInput prompt;
  prompt.token_ids = {2, 100, 200};
  EXPECT_THAT(
      Sequence::Create(tok_.get(), prompt, params, limits_, defaults_, 0, 1),
      StatusIs(StatusCode::kInvalidArgument, "shorter than the prompt"));
  params = GenerationParams();
  params.sampler.temperature = 0;
  EXPECT_THAT(
      Sequence::Create(tok_.get(), prompt, params, limits_, defaults_, 0, 1),
      StatusIs(StatusCode::kInvalidArgument, "temperature"));
}

TEST_F(SequenceTest, LogprobsWhenRequested) {
  GenerationParams params;
  params.max_new_tokens = 2;
  params.top_logprobs = 3;
  auto seq = Make(params);
  std::vector<float> row(kVocab, 0.0f);
  row[40] = 5.0f;
  row[41] = 4.0f;
  row[42] = 3.0f;
  seq->AcceptLogits(row);
  auto chunk = seq->TakeChunk();
  ASSERT_TRUE(chunk.has_value());
  ASSERT_EQ(chunk->logprobs.size(), 1u);
  const TokenLogprob& lp = chunk->logprobs[0];
  EXPECT_EQ(lp.token, 40);
  ASSERT_EQ(lp.top.size(), 3u);
  EXPECT_EQ(lp.top[0].first, 40);
  EXPECT_EQ(lp.top[1].first, 41);
  EXPECT_NEAR(lp.top[0].second - lp.top[1].second, 1.0f, 1e-5);
  EXPECT_EQ(lp.logprob, lp.top[0].second);
  EXPECT_LT(lp.logprob, 0.0f);
}

TEST_F(SequenceTest, SeededRandomSamplingIsReproducible) {
  GenerationParams params;
  params.max_new_tokens = 30;
  params.stop_mode = StopTokensMode::kNone;
  params.sampler.type = SamplerType::kRandom;
  params.sampler.seed = 77;
  std::vector<float> flat(kVocab, 0.0f);  // Uniform distribution.
  auto run = [&](const GenerationParams& p) {
    auto seq = Make(p);
    while (!seq->finished()) seq->AcceptLogits(flat);
    return seq->TakeResult().token_ids;
  };
  std::vector<int32_t> a = run(params), b = run(params);
  EXPECT_EQ(a, b);
  params.sampler.seed = 78;
  EXPECT_NE(a, run(params));
}

TEST_F(SequenceTest, BeamSearchPicksTheBestBeam) {
  GenerationParams params;
  params.max_new_tokens = 2;
  params.sampler.type = SamplerType::kBeam;
  params.sampler.num_beams = 2;
  params.stop_mode = StopTokensMode::kNone;
  auto seq = Make(params);
  // Step 1 (one row): token 40 (logit 1) beats 41 (logit 0.5).
  std::vector<float> row(kVocab, -20.0f);
  row[40] = 1.0f;
  row[41] = 0.5f;
  std::vector<int> parents = seq->AcceptBeamLogits(row);
  EXPECT_THAT(parents, ElementsAre(0, 0));
  ASSERT_EQ(seq->beams().size(), 2u);
  EXPECT_THAT(seq->beams()[0], ElementsAre(40));
  EXPECT_THAT(seq->beams()[1], ElementsAre(41));
  EXPECT_FALSE(seq->finished());
  // Step 2: beam 0 (after 40) is undecided between two tokens, beam 1
  // (after 41) is sure of token 50: beam 1 wins overall.
  std::vector<float> rows(2 * kVocab, -20.0f);
  rows[60] = 0.0f;
  rows[61] = 0.0f;
  rows[kVocab + 50] = 5.0f;
  parents = seq->AcceptBeamLogits(rows);
  EXPECT_EQ(parents[0], 1);
  ASSERT_TRUE(seq->finished());
  GenerationResult r = seq->TakeResult();
  EXPECT_EQ(r.finish_reason, FinishReason::kLength);
  EXPECT_THAT(r.token_ids, ElementsAre(2, 100, 200, 41, 50));
  EXPECT_EQ(r.text, *tok_->Decode(std::vector<int>{41, 50}));
}

TEST_F(SequenceTest, BeamSearchStopsWhenEveryBeamHasStopped) {
  GenerationParams params;
  params.max_new_tokens = 10;
  params.sampler.type = SamplerType::kBeam;
  params.sampler.num_beams = 2;
  auto seq = Make(params);
  const int32_t eos = tok_->special_ids().eos;
  std::vector<float> row(kVocab, -20.0f);
  row[eos] = 2.0f;  // Beam 0 stops at once...
  row[41] = 1.0f;
  seq->AcceptBeamLogits(row);
  EXPECT_FALSE(seq->finished());  // ...but beam 1 has not.
  std::vector<float> rows(2 * kVocab, -20.0f);
  rows[45] = 0.0f;            // Beam 0 keeps extending after its stop.
  rows[kVocab + eos] = 0.0f;  // Beam 1 stops.
  seq->AcceptBeamLogits(rows);
  ASSERT_TRUE(seq->finished());
  GenerationResult r = seq->TakeResult();
  EXPECT_EQ(r.finish_reason, FinishReason::kStopToken);
  // The best beam is cut after its first stop token.
  EXPECT_THAT(r.token_ids, ElementsAre(2, 100, 200, eos));
}

// keras-hub's generate output text for the golden prompts (no stop tokens,
// 16 greedy tokens; the fixture preset has no audio converter, so audio
// markers stay in the text).
TEST_F(SequenceTest, GoldenGeneratedTextMatchesKerasHub) {
  auto json_text =
      ReadFileToString(gemma::testing::GoldenPath("e2b_like/expected.json"));
  ASSERT_OK(json_text.status());
  nlohmann::json expected = nlohmann::json::parse(*json_text);
  limits_.context_length = 256;
  for (const auto& p : expected["prompts"]) {
    std::vector<int32_t> prompt = p["token_ids"].get<std::vector<int32_t>>();
    std::vector<int32_t> gen =
        p["generated_new_token_ids"].get<std::vector<int32_t>>();
    GenerationParams params;
    params.max_length = static_cast<int>(prompt.size() + gen.size());
    params.stop_mode = StopTokensMode::kNone;
    PromptInput input;
    input.token_ids = prompt;
    auto seq = Sequence::Create(tok_.get(), input, params, limits_, defaults_,
                                0, 1, /*strip_audio_tokens=*/false);
    ASSERT_OK(seq.status());
    std::string streamed;
    for (int32_t t : gen) {
      ASSERT_FALSE((*seq)->finished());
      (*seq)->AcceptLogits(OneHot(t));
      if (auto chunk = (*seq)->TakeChunk()) streamed += chunk->text;
    }
    ASSERT_TRUE((*seq)->finished());
    GenerationResult r = (*seq)->TakeResult();
    std::vector<int32_t> all = prompt;
    all.insert(all.end(), gen.begin(), gen.end());
    EXPECT_EQ(r.token_ids, all);
    EXPECT_EQ(r.text, p["generated_new_text"].get<std::string>())
        << "prompt " << p["index"];
    EXPECT_EQ(streamed, r.text);
  }
}

}  // namespace
}  // namespace gemma::engine
