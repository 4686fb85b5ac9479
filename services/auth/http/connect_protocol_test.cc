// Tests of the Connect protocol's pure parts: content types, the status mapping, error bodies,
// the timeout header.
#include "services/auth/http/connect_protocol.h"

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace auth::http {
namespace {

using ::testing::Optional;

TEST(ConnectCodecTest, TakesJsonAndProtoOnly) {
  EXPECT_EQ(ConnectCodecOf("application/json"), ConnectCodec::kJson);
  EXPECT_EQ(ConnectCodecOf("Application/JSON; charset=utf-8"), ConnectCodec::kJson);
  EXPECT_EQ(ConnectCodecOf("application/proto"), ConnectCodec::kProto);
  // What a cross-site form or a "simple" fetch can send without a preflight.
  for (const char* simple : {"application/x-www-form-urlencoded", "multipart/form-data",
                             "text/plain", "", "application/jsonx", "json"}) {
    EXPECT_EQ(ConnectCodecOf(simple), std::nullopt) << simple;
  }
}

TEST(ConnectStatusTest, MapsEveryCodeTheIssueNames) {
  struct Case {
    grpc::StatusCode code;
    int http_status;
    const char* name;
  };
  for (const Case& c : {Case{grpc::StatusCode::INVALID_ARGUMENT, 400, "invalid_argument"},
                        Case{grpc::StatusCode::UNAUTHENTICATED, 401, "unauthenticated"},
                        Case{grpc::StatusCode::PERMISSION_DENIED, 403, "permission_denied"},
                        Case{grpc::StatusCode::NOT_FOUND, 404, "not_found"},
                        Case{grpc::StatusCode::ALREADY_EXISTS, 409, "already_exists"},
                        Case{grpc::StatusCode::RESOURCE_EXHAUSTED, 429, "resource_exhausted"},
                        Case{grpc::StatusCode::INTERNAL, 500, "internal"},
                        Case{grpc::StatusCode::UNAVAILABLE, 503, "unavailable"},
                        Case{grpc::StatusCode::DEADLINE_EXCEEDED, 504, "deadline_exceeded"},
                        Case{grpc::StatusCode::CANCELLED, 499, "canceled"},
                        Case{grpc::StatusCode::UNIMPLEMENTED, 501, "unimplemented"},
                        Case{grpc::StatusCode::UNKNOWN, 500, "unknown"}}) {
    EXPECT_EQ(ConnectHttpStatus(c.code), c.http_status) << c.name;
    EXPECT_EQ(ConnectCodeName(c.code), c.name);
  }
}

TEST(ConnectErrorTest, IsTheProtocolsJsonBody) {
  const ConnectError error =
      ToConnectError(grpc::Status(grpc::StatusCode::NOT_FOUND, "user \"x\" not found"));
  EXPECT_EQ(error.http_status, 404);
  EXPECT_EQ(error.json, R"({"code":"not_found","message":"user \"x\" not found"})");
  EXPECT_EQ(ToConnectError(grpc::Status(grpc::StatusCode::INTERNAL, "")).json,
            R"({"code":"internal"})");
}

TEST(ConnectTimeoutTest, ReadsPositiveMilliseconds) {
  EXPECT_THAT(ParseConnectTimeout("1500"), Optional(absl::Milliseconds(1500)));
  for (const char* bad : {"", "0", "-5", "+5", "1.5", "12345678901", "10s"}) {
    EXPECT_EQ(ParseConnectTimeout(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace auth::http
