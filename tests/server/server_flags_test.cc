#include "server/server_flags.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace gemma::server {
namespace {

using ::gemma::testing::StatusIs;

absl::StatusOr<ServerFlags> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "gemma4-server");
  return ParseServerFlags(static_cast<int>(args.size()), args.data());
}

TEST(ServerFlagsTest, ParsesEveryFlagInBothForms) {
  ASSERT_OK_AND_ASSIGN(ServerFlags f, Parse({"--model",
                                             "a=/m/a",
                                             "--model=b=/m/b",
                                             "--port=0",
                                             "--metrics-port",
                                             "9100",
                                             "--host",
                                             "127.0.0.1",
                                             "--grace-period=12.5",
                                             "--max-message-size",
                                             "1048576",
                                             "--threads",
                                             "4",
                                             "--instances=2",
                                             "--kv-cache-tokens",
                                             "4096",
                                             "--max-queued-requests",
                                             "8",
                                             "--max-batch-tokens=256",
                                             "--max-running",
                                             "1",
                                             "--max-itl-stretch=2.5",
                                             "--keepalive-time",
                                             "30",
                                             "--keepalive-timeout=5"}));
  ASSERT_EQ(f.models.size(), 2u);
  EXPECT_EQ(f.models[0].name, "a");
  EXPECT_EQ(f.models[0].dir, "/m/a");
  EXPECT_EQ(f.models[1].name, "b");
  EXPECT_EQ(f.port, 0);
  EXPECT_EQ(f.metrics_port, 9100);
  EXPECT_EQ(f.host, "127.0.0.1");
  EXPECT_EQ(f.grace_period, absl::Milliseconds(12500));
  EXPECT_EQ(f.max_message_bytes, 1 << 20);
  EXPECT_EQ(f.threads, 4);
  EXPECT_EQ(f.instances, 2);
  EXPECT_EQ(f.kv_cache_tokens, 4096);
  EXPECT_EQ(f.max_queued_requests, 8);
  EXPECT_EQ(f.max_batch_tokens, 256);
  EXPECT_EQ(f.max_running, 1);
  EXPECT_EQ(f.max_itl_stretch, 2.5);
  EXPECT_EQ(f.keepalive_time, absl::Seconds(30));
  EXPECT_EQ(f.keepalive_timeout, absl::Seconds(5));
}

TEST(ServerFlagsTest, Defaults) {
  ASSERT_OK_AND_ASSIGN(ServerFlags f, Parse({"--model", "m=/d"}));
  EXPECT_EQ(f.port, 50051);
  EXPECT_EQ(f.metrics_port, 9090);
  EXPECT_EQ(f.max_message_bytes, 64 << 20);
  EXPECT_EQ(f.grace_period, absl::Seconds(30));
  EXPECT_EQ(f.max_batch_tokens, 512);
  EXPECT_EQ(f.max_running, 64);
  EXPECT_EQ(f.max_itl_stretch, 1.5);
}

TEST(ServerFlagsTest, RejectsBadInput) {
  constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(Parse({}), StatusIs(kInvalid, "--model NAME=DIR"));
  EXPECT_THAT(Parse({"--model", "nodir"}), StatusIs(kInvalid, "NAME=DIR"));
  EXPECT_THAT(Parse({"--model", "a=/x", "--model", "a=/y"}),
              StatusIs(kInvalid, "given twice"));
  EXPECT_THAT(Parse({"--model", "a=/x", "--port", "70000"}),
              StatusIs(kInvalid, "--port"));
  EXPECT_THAT(Parse({"--model", "a=/x", "--grace-period", "-1"}),
              StatusIs(kInvalid, "--grace-period"));
  EXPECT_THAT(Parse({"--model", "a=/x", "--max-running", "0"}),
              StatusIs(kInvalid, "--max-running"));
  EXPECT_THAT(Parse({"--model", "a=/x", "--max-batch-tokens", "x"}),
              StatusIs(kInvalid, "--max-batch-tokens"));
  EXPECT_THAT(Parse({"--model", "a=/x", "--max-itl-stretch", "0.5"}),
              StatusIs(kInvalid, "--max-itl-stretch"));
  EXPECT_THAT(Parse({"--model", "a=/x", "--bogus", "1"}),
              StatusIs(kInvalid, "unknown flag --bogus"));
  EXPECT_THAT(Parse({"--model", "a=/x", "--port"}),
              StatusIs(kInvalid, "needs a value"));
  EXPECT_THAT(Parse({"positional"}), StatusIs(kInvalid, "unexpected"));
  ASSERT_OK_AND_ASSIGN(ServerFlags help, Parse({"--help"}));
  EXPECT_TRUE(help.help);
  EXPECT_THAT(ServerUsage(), ::testing::HasSubstr("--grace-period"));
}

TEST(ServerFlagsTest, MediaLimitsAndEncoderCache) {
  ASSERT_OK_AND_ASSIGN(ServerFlags d, Parse({"--model", "a=/m/a"}));
  EXPECT_EQ(d.media_limits.max_parts, 16);
  EXPECT_EQ(d.encoder_cache_bytes, int64_t{256} << 20);
  ASSERT_OK_AND_ASSIGN(
      ServerFlags f,
      Parse({"--model", "a=/m/a", "--encoder-cache-bytes=0",
             "--max-media-parts", "3", "--max-image-pixels=1000",
             "--max-audio-seconds", "2.5", "--max-video-frames=4"}));
  EXPECT_EQ(f.encoder_cache_bytes, 0);
  EXPECT_EQ(f.media_limits.max_parts, 3);
  EXPECT_EQ(f.media_limits.max_image_pixels, 1000);
  EXPECT_DOUBLE_EQ(f.media_limits.max_audio_seconds, 2.5);
  EXPECT_EQ(f.media_limits.max_video_frames, 4);
  EXPECT_THAT(
      Parse({"--model", "a=/m/a", "--max-image-pixels=0"}),
      StatusIs(absl::StatusCode::kInvalidArgument, "--max-image-pixels"));
}

}  // namespace
}  // namespace gemma::server
