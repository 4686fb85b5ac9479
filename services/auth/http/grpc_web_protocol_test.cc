// Tests of gRPC-Web's framing: content types, the unary request frame, the response's data and
// trailer frames, base64 text, grpc-message encoding and the timeout header.
#include "services/auth/http/grpc_web_protocol.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::http {
namespace {

using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;
using ::testing::HasSubstr;
using ::testing::Optional;

std::string Frame(char flags, const std::string& payload) {
  std::string out = {flags, 0, 0, 0, static_cast<char>(payload.size())};
  return out + payload;
}

TEST(GrpcWebEncodingTest, KnowsBinaryAndText) {
  EXPECT_EQ(GrpcWebEncodingOf("application/grpc-web"), GrpcWebEncoding::kBinary);
  EXPECT_EQ(GrpcWebEncodingOf("application/grpc-web+proto"), GrpcWebEncoding::kBinary);
  EXPECT_EQ(GrpcWebEncodingOf("application/grpc-web-text"), GrpcWebEncoding::kText);
  EXPECT_EQ(GrpcWebEncodingOf("application/grpc-web-text+proto"), GrpcWebEncoding::kText);
  EXPECT_EQ(GrpcWebEncodingOf("application/grpc-web+json"), std::nullopt);
  EXPECT_EQ(GrpcWebEncodingOf("application/grpc"), std::nullopt);
}

TEST(ReadUnaryRequestTest, ReadsOneFrame) {
  EXPECT_THAT(ReadUnaryRequest(Frame(0, "hello"), GrpcWebEncoding::kBinary), IsOkAndHolds("hello"));
  EXPECT_THAT(ReadUnaryRequest(Frame(0, ""), GrpcWebEncoding::kBinary), IsOkAndHolds(""));
  EXPECT_THAT(ReadUnaryRequest(absl::Base64Escape(Frame(0, "hello")), GrpcWebEncoding::kText),
              IsOkAndHolds("hello"));
}

TEST(ReadUnaryRequestTest, ReadsTextSentInPaddedChunks) {
  const std::string frame = Frame(0, "hello");  // 10 bytes: two chunks of 4 and 6
  const std::string text =
      absl::Base64Escape(frame.substr(0, 4)) + absl::Base64Escape(frame.substr(4));
  EXPECT_THAT(ReadUnaryRequest(text, GrpcWebEncoding::kText), IsOkAndHolds("hello"));
}

TEST(ReadUnaryRequestTest, RefusesBadBodies) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(ReadUnaryRequest("", GrpcWebEncoding::kBinary), StatusIs(kInvalid));
  EXPECT_THAT(ReadUnaryRequest(Frame(0, "hello").substr(0, 7), GrpcWebEncoding::kBinary),
              StatusIs(kInvalid, HasSubstr("length")));
  EXPECT_THAT(ReadUnaryRequest(Frame(0, "a") + Frame(0, "b"), GrpcWebEncoding::kBinary),
              StatusIs(kInvalid));
  EXPECT_THAT(ReadUnaryRequest(Frame(1, "zz"), GrpcWebEncoding::kBinary),
              StatusIs(kInvalid, HasSubstr("compressed")));
  EXPECT_THAT(ReadUnaryRequest(Frame('\x80', "zz"), GrpcWebEncoding::kBinary),
              StatusIs(kInvalid, HasSubstr("trailers")));
  for (const char* bad : {"!!!!", "AAA", "AAAAA===", "A===", "AAAA AAAA"}) {
    EXPECT_THAT(ReadUnaryRequest(bad, GrpcWebEncoding::kText), StatusIs(kInvalid)) << bad;
  }
}

TEST(WriteUnaryResponseTest, SendsTheMessageThenTheTrailers) {
  const std::string message = "reply";
  const std::string body =
      WriteUnaryResponse(&message, grpc::Status::OK, {}, GrpcWebEncoding::kBinary);
  EXPECT_EQ(body, Frame(0, "reply") + Frame('\x80', "grpc-status:0\r\n"));
  EXPECT_EQ(WriteUnaryResponse(&message, grpc::Status::OK, {}, GrpcWebEncoding::kText),
            absl::Base64Escape(body));
}

TEST(WriteUnaryResponseTest, ErrorsAreTrailersOnly) {
  const std::string message = "ignored";
  const std::string body = WriteUnaryResponse(
      &message, grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "too many: 100%"),
      {{"retry-after", "30"}}, GrpcWebEncoding::kBinary);
  EXPECT_EQ(body,
            Frame('\x80', "grpc-status:8\r\ngrpc-message:too many: 100%25\r\nretry-after:30\r\n"));
}

TEST(PercentEncodeGrpcMessageTest, EncodesWhatGrpcDoes) {
  EXPECT_EQ(PercentEncodeGrpcMessage("plain text"), "plain text");
  EXPECT_EQ(PercentEncodeGrpcMessage("50%\n\xc3\xa9"), "50%25%0A%C3%A9");
}

TEST(GrpcTimeoutTest, ReadsEveryUnit) {
  EXPECT_THAT(ParseGrpcTimeout("2H"), Optional(absl::Hours(2)));
  EXPECT_THAT(ParseGrpcTimeout("3M"), Optional(absl::Minutes(3)));
  EXPECT_THAT(ParseGrpcTimeout("5S"), Optional(absl::Seconds(5)));
  EXPECT_THAT(ParseGrpcTimeout("100m"), Optional(absl::Milliseconds(100)));
  EXPECT_THAT(ParseGrpcTimeout("7u"), Optional(absl::Microseconds(7)));
  EXPECT_THAT(ParseGrpcTimeout("9n"), Optional(absl::Nanoseconds(9)));
  for (const char* bad : {"", "S", "5", "5s", "-5S", "123456789S", "1.5S"}) {
    EXPECT_EQ(ParseGrpcTimeout(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace auth::http
