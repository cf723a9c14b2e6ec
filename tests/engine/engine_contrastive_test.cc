// Contrastive search inside the batching engine, on the golden models:
//  - the engine's tokens equal a plain sequential implementation of
//    keras-hub's ContrastiveSampler written here on Gemma4Model (every step
//    recomputes the whole sequence and each candidate from scratch, no
//    engine, no incremental cache);
//  - a request gives the same tokens alone, batched with greedy / random /
//    top-k / contrastive requests, under a KV pool small enough to preempt
//    it, and after other requests filled the prefix cache with its prompt;
//  - finished, cancelled and expired searches return every KV block;
//  - requests the engine cannot run get clear errors.
#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/sequence.h"
#include "gtest/gtest.h"
#include "model/checkpoint/checkpoint.h"
#include "model/decoder/gemma4_model.h"
#include "model/sampling/contrastive.h"
#include "tests/engine/engine_test_util.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"
#include "tokenizer/tokenizer.h"

namespace gemma::engine {
namespace {

using ::gemma::testing::StatusIs;

struct Setting {
  int k;
  float alpha;
  float temperature;
};

GenerationParams Contrastive(const Setting& s, int new_tokens) {
  GenerationParams p = FixedLengthGreedy(new_tokens);
  p.sampler.type = SamplerType::kContrastive;
  p.sampler.k = s.k;
  p.sampler.alpha = s.alpha;
  p.sampler.temperature = s.temperature;
  return p;
}

// keras-hub's ContrastiveSampler, one sequence, the obvious way.
class Reference {
 public:
  static absl::StatusOr<std::unique_ptr<Reference>> Create(
      const std::string& golden_case) {
    auto r = std::unique_ptr<Reference>(new Reference());
    model::LoadOptions lo;
    lo.load_vision = false;
    lo.load_audio = false;
    auto ckpt =
        model::LoadCheckpoint(gemma::testing::GoldenPath(golden_case + "/hf"));
    if (!ckpt.ok()) return ckpt.status();
    r->ckpt_ = std::move(*ckpt);
    model::ModelOptions mo;
    mo.num_threads = 1;  // Tiny model: threads would only wait on each other.
    auto model =
        model::Gemma4Model::Create(r->ckpt_->config, r->ckpt_->weights, mo);
    if (!model.ok()) return model.status();
    r->model_ = std::move(*model);
    r->state_ = r->model_->NewState();
    auto kv = model::KvCache::Create(r->ckpt_->config.text, kBlocks, 16);
    if (!kv.ok()) return kv.status();
    r->kv_ = std::move(*kv);
    return r;
  }

  // `tokens` from position 0 in a fresh cache: the last position's logits
  // and the final-normed hidden state of every position.
  absl::Status Run(const std::vector<int32_t>& tokens,
                   std::vector<float>* logits, std::vector<float>* hidden) {
    std::vector<int> blocks(kBlocks);
    for (int i = 0; i < kBlocks; ++i) blocks[i] = i;
    model::ForwardEntry e;
    e.tokens = tokens;
    e.blocks = blocks;
    e.all_hidden = true;
    model::ForwardOutput out;
    GEMMA_RETURN_IF_ERROR(
        model_->Forward(state_.get(), kv_.get(), {&e, 1}, &out, true));
    if (out.hidden.size() != tokens.size() * out.hidden_dim ||
        out.num_rows() != 1) {
      return absl::InternalError("unexpected forward output shape");
    }
    logits->assign(out.logits.begin(), out.logits.end());
    *hidden = std::move(out.hidden);
    return absl::OkStatus();
  }

  // prompt + `new_tokens` tokens chosen by contrastive search.
  absl::StatusOr<std::vector<int32_t>> Generate(std::vector<int32_t> seq,
                                                const Setting& s,
                                                int new_tokens) {
    const int H = ckpt_->config.text.hidden_dim;
    for (int step = 0; step < new_tokens; ++step) {
      std::vector<float> logits, history;
      GEMMA_RETURN_IF_ERROR(Run(seq, &logits, &history));
      const model::ContrastiveCandidates c =
          model::ContrastiveTopK(logits, s.temperature, s.k);
      std::vector<float> cand_hidden;
      for (int32_t token : c.tokens) {
        std::vector<int32_t> next = seq;
        next.push_back(token);
        std::vector<float> l, h;
        GEMMA_RETURN_IF_ERROR(Run(next, &l, &h));
        // The candidate's own state: the last row.
        cand_hidden.insert(cand_hidden.end(), h.end() - H, h.end());
      }
      const std::vector<float> scores =
          model::ContrastiveScores(c.probs, cand_hidden, history, H, s.alpha);
      seq.push_back(c.tokens[model::ContrastivePick(scores)]);
    }
    return seq;
  }

 private:
  static constexpr int kBlocks = 16;  // 256 positions.
  Reference() = default;
  std::unique_ptr<model::Checkpoint> ckpt_;
  std::unique_ptr<model::Gemma4Model> model_;
  std::unique_ptr<model::ForwardState> state_;
  std::unique_ptr<model::KvCache> kv_;
};

const Setting kSettings[] = {{4, 0.6f, 1.0f}, {3, 0.3f, 0.7f}};

// The Sequence's side of a step, by hand: hidden states [1, 0], [0, 1],
// [1, 1] for the prompt; logits 5 at id 10, 4 at id 20, 0 elsewhere (so
// p10 = e^5 / Z, p20 = e^4 / Z, Z = e^5 + e^4 + 766); candidate 10's state
// [1, 0] repeats position 0 (max cos 1), candidate 20's [1, -1] has max cos
// 1/sqrt(2). alpha 0.6: 0.4 p10 - 0.6 = -0.539 < 0.4 p20 - 0.424 = -0.402,
// so 20 wins; alpha 0.05: 0.95 p10 - 0.05 = 0.096 > 0.018, so 10 wins.
TEST(ContrastiveSequenceTest, HandComputedStepsAndHistoryFreedAtFinish) {
  auto tok = tokenizer::Tokenizer::FromSpmFile(
      gemma::testing::GoldenPath("e2b_like/hf/tokenizer.model"));
  ASSERT_OK(tok.status());
  ModelLimits limits;
  limits.vocab_size = 768;
  limits.context_length = 64;
  limits.default_max_length = 64;
  PromptInput prompt;
  prompt.token_ids = {2, 100, 200};
  for (float alpha : {0.6f, 0.05f}) {
    GenerationParams params = Contrastive({2, alpha, 1.0f}, 2);
    params.top_logprobs = 1;
    ASSERT_OK_AND_ASSIGN(
        std::unique_ptr<Sequence> seq,
        Sequence::Create(tok->get(), prompt, params, limits, {}, 0, 1));
    seq->AddHiddenStates({1, 0, 0, 1, 1, 1}, 2);
    EXPECT_EQ(seq->num_hidden_states(), 3);
    std::vector<float> logits(768, 0.0f);
    logits[10] = 5;
    logits[20] = 4;
    const model::ContrastiveCandidates& c = seq->StartContrastiveStep(logits);
    const double z = std::exp(5.0) + std::exp(4.0) + 766;
    ASSERT_EQ(c.tokens, (std::vector<int32_t>{10, 20}));
    EXPECT_NEAR(c.probs[0], std::exp(5.0) / z, 1e-6);
    EXPECT_NEAR(c.probs[1], std::exp(4.0) / z, 1e-6);
    const int winner = seq->FinishContrastiveStep({1, 0, 1, -1});
    const int32_t want = alpha == 0.6f ? 20 : 10;
    EXPECT_EQ(winner, want == 20 ? 1 : 0);
    EXPECT_EQ(seq->generated_ids(), std::vector<int32_t>{want});
    EXPECT_EQ(seq->num_hidden_states(), 4);
    std::optional<GenerationChunk> chunk = seq->TakeChunk();
    ASSERT_TRUE(chunk.has_value());
    EXPECT_EQ(chunk->token_ids, std::vector<int32_t>{want});
    ASSERT_EQ(chunk->logprobs.size(), 1u);
    EXPECT_NEAR(chunk->logprobs[0].logprob, logits[want] - std::log(z), 1e-5);
    // The last step: the sequence finishes and lets its states go.
    seq->StartContrastiveStep(logits);
    seq->FinishContrastiveStep({0, 1, 1, 0});
    EXPECT_TRUE(seq->finished());
    EXPECT_EQ(seq->num_hidden_states(), 0);
    EXPECT_EQ(seq->TakeResult().finish_reason, FinishReason::kLength);
  }
}

class EngineContrastiveTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EngineContrastiveTest, EqualsSequentialReference) {
  ASSERT_OK_AND_ASSIGN(std::vector<GoldenPrompt> goldens,
                       LoadGoldenPrompts(GetParam()));
  ASSERT_OK_AND_ASSIGN(auto ref, Reference::Create(GetParam()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> pool,
                       MakePool(GoldenSpec(GetParam())));
  int differs_from_greedy = 0;
  for (const Setting& s : kSettings) {
    for (size_t i = 0; i < goldens.size(); ++i) {
      const std::vector<int32_t>& prompt = goldens[i].prompt;
      ASSERT_OK_AND_ASSIGN(std::vector<int32_t> want,
                           ref->Generate(prompt, s, 12));
      differs_from_greedy +=
          !std::equal(want.begin(), want.end(), goldens[i].generated.begin());
      ASSERT_OK_AND_ASSIGN(GenerationResult r,
                           RunAlone(*pool, prompt, Contrastive(s, 12)));
      ASSERT_OK(r.status);
      EXPECT_EQ(r.token_ids, want) << "prompt " << i << " k " << s.k;
      EXPECT_EQ(r.finish_reason, FinishReason::kLength);
      EXPECT_EQ(r.usage.completion_tokens, 12);
    }
  }
  // The degeneration penalty matters on these models (else the test
  // could not tell contrastive search from greedy search).
  EXPECT_GT(differs_from_greedy, 0);
  const EngineStats st = pool->Stats()[0];
  EXPECT_EQ(st.kv_blocks_used, 0);
  EXPECT_EQ(st.running_sequences, 0);
}

TEST_P(EngineContrastiveTest, OneCandidateIsGreedy) {
  ASSERT_OK_AND_ASSIGN(std::vector<GoldenPrompt> goldens,
                       LoadGoldenPrompts(GetParam()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> pool,
                       MakePool(GoldenSpec(GetParam())));
  for (const GoldenPrompt& g : goldens) {
    ASSERT_OK_AND_ASSIGN(
        GenerationResult r,
        RunAlone(*pool, g.prompt, Contrastive({1, 0.6f, 1.0f}, 16)));
    ASSERT_OK(r.status);
    EXPECT_EQ(r.token_ids, g.generated);
  }
}

INSTANTIATE_TEST_SUITE_P(Goldens, EngineContrastiveTest,
                         ::testing::Values("e2b_like", "moe_like",
                                           "dense_like"));

// The mixed batch: each golden prompt with contrastive search (two
// settings), greedy, and a seeded random sampler.
struct Mixed {
  std::vector<int32_t> prompt;
  GenerationParams params;
};

std::vector<Mixed> MixedRequests(const std::vector<GoldenPrompt>& goldens) {
  std::vector<Mixed> out;
  for (size_t i = 0; i < goldens.size(); ++i) {
    out.push_back({goldens[i].prompt, Contrastive(kSettings[0], 10)});
    out.push_back({goldens[i].prompt, FixedLengthGreedy(14)});
    GenerationParams random = FixedLengthGreedy(9);
    random.sampler.type = i % 2 ? SamplerType::kRandom : SamplerType::kTopK;
    random.sampler.k = 6;
    random.sampler.seed = 77 + i;
    out.push_back({goldens[i].prompt, random});
    // A shorter prompt (other block boundaries) with the other setting.
    std::vector<int32_t> shorter(
        goldens[i].prompt.begin(),
        goldens[i].prompt.begin() + goldens[i].prompt.size() * 2 / 3);
    out.push_back({shorter, Contrastive(kSettings[1], 11)});
  }
  return out;
}

TEST(EngineContrastiveBatchTest, AloneEqualsBatchedPreemptedAndPrefixCached) {
  ASSERT_OK_AND_ASSIGN(std::vector<GoldenPrompt> goldens, LoadGoldenPrompts());
  const std::vector<Mixed> reqs = MixedRequests(goldens);
  std::vector<std::vector<int32_t>> alone;
  {
    ModelSpec spec = GoldenSpec();
    spec.prefix_cache = false;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> pool, MakePool(spec));
    for (const Mixed& m : reqs) {
      ASSERT_OK_AND_ASSIGN(GenerationResult r,
                           RunAlone(*pool, m.prompt, m.params));
      ASSERT_OK(r.status);
      alone.push_back(r.token_ids);
    }
  }
  // All at once: in a roomy pool; with the prefix cache on after every
  // prompt was served once (contrastive requests must still compute their
  // prompts' hidden states); and in a pool of 24 blocks of 8, where the
  // contrastive groups (k sequences each) are preempted and resumed.
  struct Run {
    int64_t kv_tokens;
    bool prefix_cache;
  };
  for (const Run& run : {Run{4096, false}, Run{4096, true}, Run{192, false}}) {
    ModelSpec spec = GoldenSpec();
    spec.kv_cache_tokens = run.kv_tokens;
    spec.prefix_cache = run.prefix_cache;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> pool, MakePool(spec));
    if (run.prefix_cache) {
      for (const GoldenPrompt& g : goldens) {
        ASSERT_OK_AND_ASSIGN(GenerationResult r,
                             RunAlone(*pool, g.prompt, FixedLengthGreedy(2)));
        ASSERT_OK(r.status);
      }
      ASSERT_GT(pool->Stats()[0].prefix_cache_queries_total, 0);
    }
    std::vector<std::shared_ptr<CollectingSink>> sinks;
    for (const Mixed& m : reqs) {
      sinks.push_back(std::make_shared<CollectingSink>());
      ASSERT_OK(pool->Submit(MakeRequest(m.prompt, m.params, sinks.back())));
    }
    int max_batch = 0;
    for (size_t i = 0; i < sinks.size(); ++i) {
      while (!sinks[i]->WaitDone(absl::Milliseconds(1))) {
        max_batch = std::max(max_batch, pool->Stats()[0].last_batch_sequences);
      }
      const GenerationResult r = sinks[i]->result();
      ASSERT_OK(r.status);
      EXPECT_EQ(r.token_ids, alone[i])
          << "request " << i << " kv " << run.kv_tokens << " prefix cache "
          << run.prefix_cache;
      // Contrastive results stream token by token, like single-row ones.
      const std::vector<int32_t> generated(
          r.token_ids.begin() + reqs[i].prompt.size(), r.token_ids.end());
      EXPECT_EQ(sinks[i]->streamed(), generated) << "request " << i;
      EXPECT_EQ(sinks[i]->violations(), 0);
    }
    const EngineStats st = pool->Stats()[0];
    EXPECT_GT(max_batch, 4) << "kv " << run.kv_tokens;
    if (run.kv_tokens == 192) {
      EXPECT_GT(st.preemptions_total, 0);
    }
    EXPECT_EQ(st.kv_blocks_used, 0);
    EXPECT_EQ(st.running_sequences, 0);
    EXPECT_EQ(pool->InFlight(), 0);
  }
}

TEST(EngineContrastiveBatchTest, CancelAndDeadlineReturnEveryBlock) {
  ASSERT_OK_AND_ASSIGN(std::vector<GoldenPrompt> goldens, LoadGoldenPrompts());
  ModelSpec spec = GoldenSpec();
  spec.prefix_cache = false;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> pool, MakePool(spec));
  const GenerationParams long_run = Contrastive(kSettings[0], 2000);

  // Cancelled after its first tokens.
  auto cancel = std::make_shared<CancellationFlag>();
  auto sink = std::make_shared<CollectingSink>();
  Request req = MakeRequest(goldens[0].prompt, long_run, sink);
  req.cancel = cancel;
  ASSERT_OK(pool->Submit(std::move(req)));
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (sink->streamed().size() < 3 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_GE(sink->streamed().size(), 3u);
  EXPECT_GT(pool->Stats()[0].running_sequences, 1);  // The k candidates.
  cancel->Cancel();
  ASSERT_TRUE(sink->WaitDone(absl::Seconds(60)));
  GenerationResult r = sink->result();
  EXPECT_EQ(r.finish_reason, FinishReason::kCancelled);
  EXPECT_THAT(r.status, StatusIs(absl::StatusCode::kCancelled));
  EXPECT_LT(r.usage.completion_tokens, 2000);

  // A deadline that passes mid-generation.
  sink = std::make_shared<CollectingSink>();
  req = MakeRequest(goldens[1].prompt, long_run, sink);
  req.deadline = absl::Now() + absl::Milliseconds(100);
  ASSERT_OK(pool->Submit(std::move(req)));
  ASSERT_TRUE(sink->WaitDone(absl::Seconds(60)));
  r = sink->result();
  EXPECT_EQ(r.finish_reason, FinishReason::kDeadline);
  EXPECT_LT(r.usage.completion_tokens, 2000);

  const EngineStats st = pool->Stats()[0];
  EXPECT_EQ(st.kv_blocks_used, 0);
  EXPECT_EQ(st.running_sequences, 0);
  EXPECT_EQ(pool->InFlight(), 0);
}

TEST(EngineContrastiveBatchTest, StopsAtAStopTokenWithLogprobs) {
  ASSERT_OK_AND_ASSIGN(std::vector<GoldenPrompt> goldens, LoadGoldenPrompts());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> pool, MakePool(GoldenSpec()));
  const GenerationParams p = Contrastive(kSettings[0], 12);
  ASSERT_OK_AND_ASSIGN(GenerationResult full,
                       RunAlone(*pool, goldens[2].prompt, p));
  ASSERT_OK(full.status);
  // Stop at the 5th generated token: the same tokens up to it.
  const size_t n = goldens[2].prompt.size();
  GenerationParams stop = p;
  stop.stop_mode = StopTokensMode::kExplicit;
  stop.stop_token_ids = {full.token_ids[n + 4]};
  stop.top_logprobs = 2;
  auto sink = std::make_shared<CollectingSink>();
  ASSERT_OK(pool->Submit(MakeRequest(goldens[2].prompt, stop, sink)));
  ASSERT_TRUE(sink->WaitDone(absl::Seconds(60)));
  const GenerationResult r = sink->result();
  ASSERT_OK(r.status);
  const size_t first_stop =
      std::find(full.token_ids.begin() + n, full.token_ids.end(),
                full.token_ids[n + 4]) -
      full.token_ids.begin();
  EXPECT_EQ(r.finish_reason, FinishReason::kStopToken);
  EXPECT_EQ(r.token_ids,
            std::vector<int32_t>(full.token_ids.begin(),
                                 full.token_ids.begin() + first_stop + 1));
  EXPECT_EQ(pool->Stats()[0].kv_blocks_used, 0);
}

TEST(EngineContrastiveBatchTest, RefusesWhatItCannotRun) {
  ASSERT_OK_AND_ASSIGN(std::vector<GoldenPrompt> goldens, LoadGoldenPrompts());
  ModelSpec spec = GoldenSpec();
  spec.kv_cache_tokens = 64;  // 8 blocks of 8.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelPool> pool, MakePool(spec));
  auto sink = std::make_shared<CollectingSink>();
  // More candidates than sequences run at once (max_running 32).
  EXPECT_THAT(pool->Submit(MakeRequest(goldens[0].prompt,
                                       Contrastive({40, 0.6f, 1.0f}, 4), sink)),
              StatusIs(absl::StatusCode::kInvalidArgument, "candidates"));
  // The candidates' blocks do not fit the pool.
  EXPECT_THAT(pool->Submit(MakeRequest({2, 10, 11},
                                       Contrastive({20, 0.6f, 1.0f}, 4), sink)),
              StatusIs(absl::StatusCode::kInvalidArgument, "lower"));
  // Out-of-range parameters.
  EXPECT_THAT(pool->Submit(MakeRequest({2, 10, 11},
                                       Contrastive({4, 1.5f, 1.0f}, 4), sink)),
              StatusIs(absl::StatusCode::kInvalidArgument, "alpha"));
}

}  // namespace
}  // namespace gemma::engine
