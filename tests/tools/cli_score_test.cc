// `gemma4 score` end to end: the .npy it writes holds the logits of every
// prompt position, compared with the keras-hub goldens (text checkpoints in
// both layouts, image prompts through the project's own image pipeline
// against the Hugging Face-pipeline fixtures, audio prompts from WAV), plus
// chunked passes, video and bad input.
//
// Tolerance: as the decoder golden tests (tests/model/decoder/
// golden_test.cc), 1e-4 × max|golden logit| (about 5e-4 absolute under the
// soft caps of 5–6): a few times the reference's own float32 summation-order
// noise (its Hugging Face reload moved logits by up to 7.3e-5 on e2b_like
// and 1.3e-4 on e2b_vision, testdata/golden/README.md).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/video_fixtures.h"
#include "tests/testing/npy.h"
#include "tests/tools/cli_runner.h"

namespace gemma::tools {
namespace {

using ::gemma::testing::NpyArray;
using ::gemma::testing::ReadNpy;
using ::testing::HasSubstr;
using ::testing::Not;

std::string IdList(const std::vector<int32_t>& ids) {
  return absl::StrJoin(ids, ",");
}

// Max |a - b| over equally long arrays.
double MaxDiff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    m = std::max(m, double{std::fabs(a[i] - b[i])});
  }
  return m;
}

double Tolerance(const std::vector<float>& golden) {
  float mx = 0;
  for (float v : golden) mx = std::max(mx, std::fabs(v));
  return 1e-4 * mx;
}

class ScoreTest : public CliTest {
 protected:
  // Runs score and reads the array it wrote.
  absl::StatusOr<NpyArray> Score(std::vector<std::string> args) {
    const std::string out = tmp_ + "/logits.npy";
    std::remove(out.c_str());
    args.insert(args.begin(), "score");
    args.insert(args.end(), {"--output", out, "--threads", "2"});
    last_ = Run(args);
    if (last_.exit_code != 0) {
      return absl::InternalError("score failed: " + last_.err);
    }
    return ReadNpy(out);
  }
  // Checks `got` is float32 [golden rows, V] and within the tolerance.
  void ExpectMatches(const NpyArray& got, const std::string& golden_path,
                     const std::string& what) {
    ASSERT_OK_AND_ASSIGN(NpyArray golden, ReadNpy(golden_path));
    EXPECT_EQ(got.descr, "<f4") << what;
    ASSERT_EQ(got.shape, golden.shape) << what;
    const std::vector<float> g = golden.ToFloats();
    const double diff = MaxDiff(got.ToFloats(), g);
    EXPECT_LE(diff, Tolerance(g)) << what;
    std::cout << what << ": max |logit diff| " << diff << " (tolerance "
              << Tolerance(g) << ")\n";
  }

  CliResult last_;
};

TEST_F(ScoreTest, TokenIdsMatchTheGoldenLogitsInBothLayouts) {
  for (const std::string layout : {"hf", "keras"}) {
    for (int i = 0; i < 3; ++i) {
      const std::string pre = "e2b_like/prompt" + std::to_string(i);
      const std::vector<int32_t> ids =
          ReadIntNpy(Golden(pre + "_token_ids.npy"));
      ASSERT_FALSE(ids.empty());
      ASSERT_OK_AND_ASSIGN(NpyArray got,
                           Score({"--model", Golden("e2b_like/" + layout),
                                  "--token-ids", IdList(ids)}));
      ExpectMatches(got, Golden(pre + "_logits.npy"),
                    "e2b_like/" + layout + " prompt " + std::to_string(i));
    }
  }
  // The other architectures (MoE, K=V attention), one prompt each.
  for (const std::string model : {"moe_like", "dense_like"}) {
    const std::vector<int32_t> ids =
        ReadIntNpy(Golden(model + "/prompt2_token_ids.npy"));
    ASSERT_OK_AND_ASSIGN(NpyArray got, Score({"--model", Golden(model + "/hf"),
                                              "--token-ids", IdList(ids)}));
    ExpectMatches(got, Golden(model + "/prompt2_logits.npy"),
                  model + "/hf prompt 2");
  }
}

// Audio from WAV with keras-hub's log-mel convention (--audio-features
// keras-hub: its placeholder count and features) against keras-hub's own
// full-forward logits; the audio tower runs on the project's FFT and
// convolutions (the fixture's reference used numpy fallbacks for both,
// README "Numerical fallbacks": errors at float32 rounding level).
TEST_F(ScoreTest, AudioPromptsMatchKerasHubLogits) {
  const Json expected = ReadJson(Golden("e2b_audio/expected.json"));
  for (int i = 0; i < 2; ++i) {
    const Json& p = expected["prompts"][i];
    ASSERT_OK_AND_ASSIGN(
        NpyArray got,
        Score({"--model", Golden("e2b_audio/hf"), "--prompt",
               p["text"].get<std::string>(), "--audio",
               Golden("media/" + p["audio"].get<std::string>() + ".wav"),
               "--audio-features", "keras-hub"}));
    ExpectMatches(
        got, Golden("e2b_audio/prompt" + std::to_string(i) + "_logits.npy"),
        "e2b_audio prompt " + std::to_string(i));
  }
}

// --chunk-tokens: passes of a few positions through the KV cache give the
// same logits (sliding window 8 spans chunks; an image split over chunks on
// e2b_vision; dense_vision's bidirectional 70-token image block is kept in
// one pass although the chunk size is 7).
TEST_F(ScoreTest, ChunkedPassesMatchTheGoldens) {
  const std::vector<int32_t> ids =
      ReadIntNpy(Golden("e2b_like/prompt2_token_ids.npy"));
  ASSERT_OK_AND_ASSIGN(NpyArray got,
                       Score({"--model", Golden("e2b_like/hf"), "--token-ids",
                              IdList(ids), "--chunk-tokens", "5"}));
  ExpectMatches(got, Golden("e2b_like/prompt2_logits.npy"),
                "e2b_like/hf prompt 2 in chunks of 5");
  struct Case {
    std::string model;
    int prompt;
    std::string chunk;
  };
  for (const Case& c :
       {Case{"e2b_vision", 0, "16"}, Case{"dense_vision", 1, "7"}}) {
    const Json hf = ReadJson(Golden(c.model + "/hfpipe_expected.json"));
    const Json& p = hf["prompts"][c.prompt];
    ASSERT_OK_AND_ASSIGN(
        got, Score({"--model", Golden(c.model + "/hf"), "--prompt",
                    p["text"].get<std::string>(), "--image",
                    Golden("media/" + p["image"].get<std::string>() + ".png"),
                    "--chunk-tokens", c.chunk}));
    ExpectMatches(got,
                  Golden(c.model + "/hfpipe_prompt" + std::to_string(c.prompt) +
                         "_logits.npy"),
                  c.model + " prompt " + std::to_string(c.prompt) +
                      " in chunks of " + c.chunk);
  }
}

// The file is a version 1.0 .npy, C order, header padded to 64 bytes.
TEST_F(ScoreTest, WritesANpyVersion1File) {
  const std::string out = tmp_ + "/x.npy";
  CliResult r = Run({"score", "--model", Golden("e2b_like/hf"), "--token-ids",
                     "2,17,300", "--output", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("[3, 768]"));
  ASSERT_OK_AND_ASSIGN(std::string bytes, ReadFileToString(out));
  ASSERT_GT(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t header = static_cast<unsigned char>(bytes[8]) |
                        (static_cast<unsigned char>(bytes[9]) << 8);
  EXPECT_EQ((10 + header) % 64, 0u);
  EXPECT_EQ(bytes[10 + header - 1], '\n');
  EXPECT_EQ(
      bytes.substr(10, header - 1)
          .find(
              "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 768), }"),
      0u);
  EXPECT_EQ(bytes.size(), 10 + header + 3 * 768 * 4);
}

// --prompt gets <bos> prepended as generate does, --chat is rendered with
// the chat template: the golden prompts' ids and logits.
TEST_F(ScoreTest, PromptTextAndChatArePreparedAsGenerateDoes) {
  const Json expected = ReadJson(Golden("e2b_like/expected.json"));
  const Json& p1 = expected["prompts"][1];
  const std::string out = tmp_ + "/p1.npy";
  CliResult r =
      Run({"score", "--model", Golden("e2b_like/hf"), "--prompt",
           p1["text"].get<std::string>(), "--output", out, "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json summary = Json::parse(r.out);
  EXPECT_EQ(summary["token_ids"], p1["token_ids"]);
  EXPECT_EQ(summary["shape"], Json::parse("[27, 768]"));
  ASSERT_OK_AND_ASSIGN(NpyArray got, ReadNpy(out));
  ExpectMatches(got, Golden("e2b_like/prompt1_logits.npy"),
                "e2b_like/hf prompt 1 as text");
  // --chat renders the template (with its own <bos>): golden prompt 0 is
  // this chat's rendering.
  const std::string chat = tmp_ + "/chat.json";
  WriteFile(chat, R"({"messages": [{"role": "user",
      "content": "What is the capital of France?"}]})");
  ASSERT_OK_AND_ASSIGN(
      got, Score({"--model", Golden("e2b_like/hf"), "--chat", chat}));
  ExpectMatches(got, Golden("e2b_like/prompt0_logits.npy"),
                "e2b_like/hf prompt 0 as chat");
}

// Images from PNG through the project's pipeline (decode, resize, patches,
// vision tower, placement) must give the Hugging Face pipeline's logits;
// dense_vision adds the within-image bidirectional block.
TEST_F(ScoreTest, ImagePromptsMatchTheHfPipeline) {
  struct Case {
    std::string model;
    int prompt;
  };
  for (const Case& c : {Case{"e2b_vision", 0}, Case{"e2b_vision", 1},
                        Case{"dense_vision", 1}}) {
    const Json hf = ReadJson(Golden(c.model + "/hfpipe_expected.json"));
    const Json& p = hf["prompts"][c.prompt];
    const std::string what = c.model + " prompt " + std::to_string(c.prompt);
    ASSERT_OK_AND_ASSIGN(
        NpyArray got,
        Score({"--model", Golden(c.model + "/hf"), "--prompt",
               p["text"].get<std::string>(), "--image",
               Golden("media/" + p["image"].get<std::string>() + ".png")}));
    ExpectMatches(got,
                  Golden(c.model + "/hfpipe_prompt" + std::to_string(c.prompt) +
                         "_logits.npy"),
                  what);
  }
}

// A video file (MJPEG AVI) through score and generate: score's last row
// picks generate's first new token (the engine's chunked prefill with one
// tower call per frame vs one full pass), and the positions before the
// video equal scoring those tokens alone.
TEST_F(ScoreTest, VideoPromptAgreesWithGenerate) {
  const std::string video = tmp_ + "/clip.avi";
  WriteFile(video, gemma::testing::MjpegAvi(4, 48, 64, 2.0));
  const std::string prompt = "What happens in <|video|>? Describe it.";
  const std::string out = tmp_ + "/video.npy";
  CliResult r = Run({"score", "--model", Golden("e2b_vision/hf"), "--prompt",
                     prompt, "--video", video, "--output", out, "--format",
                     "json", "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<int32_t> ids =
      Json::parse(r.out)["token_ids"].get<std::vector<int32_t>>();
  ASSERT_OK_AND_ASSIGN(NpyArray logits, ReadNpy(out));
  const int T = static_cast<int>(ids.size());
  ASSERT_EQ(logits.shape, (std::vector<int64_t>{T, 768}));
  const std::vector<float> all = logits.ToFloats();
  // Video frames are laid out as <|image> + placeholders + <image|> (HF).
  const auto first_media = std::find(ids.begin(), ids.end(), 10);
  ASSERT_NE(first_media, ids.end());
  ASSERT_NE(std::find(ids.begin(), ids.end(), 18), ids.end());

  r = Run({"generate", "--model", Golden("e2b_vision/hf"), "--prompt", prompt,
           "--video", video, "--max-new-tokens", "1", "--stop-token-ids",
           "none", "--format", "json", "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<int32_t> generated =
      Json::parse(r.out)["token_ids"].get<std::vector<int32_t>>();
  ASSERT_EQ(generated.size(), ids.size() + 1);
  EXPECT_TRUE(std::equal(ids.begin(), ids.end(), generated.begin()));
  const float* last = all.data() + static_cast<size_t>(T - 1) * 768;
  const float best = *std::max_element(last, last + 768);
  // The engine's pick is the argmax up to summation-order noise.
  EXPECT_GE(last[generated.back()], best - 1e-3f);

  const std::vector<int32_t> prefix(ids.begin(), first_media);
  ASSERT_OK_AND_ASSIGN(NpyArray text_only,
                       Score({"--model", Golden("e2b_vision/hf"), "--token-ids",
                              IdList(prefix)}));
  const std::vector<float> head(
      all.begin(), all.begin() + static_cast<size_t>(prefix.size()) * 768);
  EXPECT_LE(MaxDiff(text_only.ToFloats(), head), Tolerance(head));
}

TEST_F(ScoreTest, BadInputGivesClearErrors) {
  CliResult r =
      Run({"score", "--model", Golden("e2b_like/hf"), "--token-ids", "2,17"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--output is required"));
  const std::string out = tmp_ + "/x.npy";
  // More placeholders than images, and more images than placeholders.
  r = Run({"score", "--model", Golden("e2b_vision/hf"), "--prompt",
           "a <|image|> b <|image|>", "--image", Golden("media/image0.png"),
           "--output", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("has no image attached"));
  r = Run({"score", "--model", Golden("e2b_vision/hf"), "--prompt",
           "a <|image|> b", "--image", Golden("media/image0.png"), "--image",
           Golden("media/image1.png"), "--output", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("has no placeholder"));
  // Media go with text prompts only; a text-only model has no tower.
  r = Run({"score", "--model", Golden("e2b_like/hf"), "--token-ids", "2,12",
           "--image", Golden("media/image0.png"), "--output", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("go with --prompt or --chat"));
  r = Run({"score", "--model", Golden("e2b_like/hf"), "--prompt", "<|video|>",
           "--video", Golden("media/image0.png"), "--output", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("no vision tower"));
  // A file that is not a video.
  r = Run({"score", "--model", Golden("e2b_vision/hf"), "--prompt", "<|video|>",
           "--video", Golden("media/image0.png"), "--output", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("video"));
  r = Run({"score", "--model", Golden("e2b_like/hf"), "--token-ids", "2,99999",
           "--output", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("outside the vocabulary"));
  r = Run({"score", "--model", Golden("e2b_like/hf"), "--token-ids", "2,17",
           "--audio-features", "librosa", "--output", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--audio-features must be hf or keras-hub"));
  r = Run({"score", "--model", Golden("e2b_like/hf"), "--token-ids", "2,17",
           "--chunk-tokens", "-1", "--output", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--chunk-tokens must be >= 0"));
  // An output directory that does not exist is refused before any work.
  r = Run({"score", "--model", Golden("e2b_like/hf"), "--token-ids", "2,17",
           "--output", tmp_ + "/missing/x.npy"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("missing"));
  EXPECT_THAT(r.err, Not(HasSubstr("loaded")));
  // None of the failed runs left a file behind.
  EXPECT_FALSE(ReadFileToString(out).ok());
}

}  // namespace
}  // namespace gemma::tools
