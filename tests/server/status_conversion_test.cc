#include "server/status_conversion.h"

#include <string>

#include "gtest/gtest.h"
#include "server/utf8_validation.h"

namespace gemma::server {
namespace {

TEST(ToGrpcStatusTest, OkStaysOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(ToGrpcStatusTest, KeepsCanonicalCodeAndMessage) {
  const struct {
    absl::Status in;
    grpc::StatusCode code;
  } cases[] = {
      {absl::InvalidArgumentError("bad"), grpc::StatusCode::INVALID_ARGUMENT},
      {absl::NotFoundError("bad"), grpc::StatusCode::NOT_FOUND},
      {absl::ResourceExhaustedError("bad"),
       grpc::StatusCode::RESOURCE_EXHAUSTED},
      {absl::DeadlineExceededError("bad"), grpc::StatusCode::DEADLINE_EXCEEDED},
      {absl::CancelledError("bad"), grpc::StatusCode::CANCELLED},
      {absl::UnavailableError("bad"), grpc::StatusCode::UNAVAILABLE},
      {absl::InternalError("bad"), grpc::StatusCode::INTERNAL},
      {absl::UnimplementedError("bad"), grpc::StatusCode::UNIMPLEMENTED},
  };
  for (const auto& c : cases) {
    const grpc::Status out = ToGrpcStatus(c.in);
    EXPECT_EQ(out.error_code(), c.code) << c.in;
    EXPECT_EQ(out.error_message(), "bad");
    EXPECT_EQ(FromGrpcStatus(out), c.in);
  }
}

TEST(ToGrpcStatusTest, CapsLongMessagesOnACharacterBoundary) {
  // 2-byte characters, so a cut at an odd byte would split one.
  std::string message;
  while (message.size() < 3 * kMaxStatusMessageBytes) message += "\xC3\xA9";
  const grpc::Status out = ToGrpcStatus(absl::InternalError(message));
  EXPECT_LE(out.error_message().size(), kMaxStatusMessageBytes);
  EXPECT_TRUE(IsValidUtf8(out.error_message()));
  EXPECT_EQ(out.error_message().substr(out.error_message().size() - 3), "...");
}

TEST(Utf8ValidationTest, AcceptsAndRejects) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // Truncated.
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // Overlong '/'.
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // Surrogate.
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // Past U+10FFFF.
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

}  // namespace
}  // namespace gemma::server
