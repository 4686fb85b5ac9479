// End-to-end tests of whom the address limits count (issue 21, item 6), against the real
// auth_server and a private MariaDB (e2e_fixture.h):
// - through a trusted proxy (--trusted_proxies naming 127.0.0.1, the test's own address), over
//   gRPC (x-forwarded-for metadata) and HTTP (X-Forwarded-For), each forwarded client has its
//   own login limit: 51 failures of one do not refuse another;
// - from a peer that is not trusted, X-Forwarded-For is ignored, so spoofing it escapes nothing;
// - 101 garbage refresh tokens from one address do not refuse a valid one from it, and a
//   replayed old token past the limit revokes nothing (no reuse write).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "services/auth/e2e/e2e_fixture.h"
#include "services/auth/testing/http_test_client.h"

namespace auth::service_testing {
namespace {

// --login_failures_per_address's default: the 51st failure from one address is refused.
constexpr int kAddressLimit = 50;

class TrustedProxiesE2eTest : public AuthServerE2eTest {
 protected:
  // Each test starts its own server, with the proxies it is about.
  void SetUp() override {}

  // A login of an account that does not exist (NOT_FOUND, or RESOURCE_EXHAUSTED once its
  // address is refused), sent over gRPC with `forwarded_for` as x-forwarded-for.
  grpc::StatusCode UnknownLoginOverGrpc(int n, const std::string& forwarded_for) {
    grpc::ClientContext context;
    context.AddMetadata("x-forwarded-for", forwarded_for);
    auth::v1::LoginRequest request;
    request.set_email(absl::StrCat("nobody", n, "@example.com"));
    request.set_password_hash(kPassword);
    auth::v1::LoginResponse response;
    return stub_->Login(&context, request, &response).error_code();
  }

  // The same over the HTTP front (Connect JSON): the HTTP status.
  int UnknownLoginOverHttp(int n, const std::string& forwarded_for) {
    HttpTestClient http(server_->http_port());
    absl::StatusOr<HttpReply> reply =
        http.Post("/auth.v1.AuthService/Login", "application/json",
                  absl::StrCat(R"({"email":"nobody)", n, R"(@example.com","passwordHash":")",
                               kPassword, R"("})"),
                  {{"X-Forwarded-For", forwarded_for}});
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? reply->status : 0;
  }
};

TEST_F(TrustedProxiesE2eTest, OverGrpcEachForwardedClientHasItsOwnLimit) {
  StartServer({"--trusted_proxies=10.0.0.0/8,127.0.0.1,::1"});
  // The leftmost entry is the client's own claim; the proxy appended the address it saw.
  const std::string attacker = "192.0.2.99, 203.0.113.10";
  for (int i = 0; i < kAddressLimit; ++i) {
    ASSERT_EQ(UnknownLoginOverGrpc(i, attacker), grpc::StatusCode::NOT_FOUND) << i;
  }
  EXPECT_EQ(UnknownLoginOverGrpc(kAddressLimit, attacker), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Another client through the same proxy (and one more trusted hop) is not refused.
  EXPECT_EQ(UnknownLoginOverGrpc(0, "203.0.113.11, 10.1.2.3"), grpc::StatusCode::NOT_FOUND);
}

TEST_F(TrustedProxiesE2eTest, OverHttpEachForwardedClientHasItsOwnLimit) {
  StartServer({"--trusted_proxies=127.0.0.1", "--http_listen=127.0.0.1:0"});
  for (int i = 0; i < kAddressLimit; ++i) {
    ASSERT_EQ(UnknownLoginOverHttp(i, "203.0.113.20"), 404) << i;
  }
  EXPECT_EQ(UnknownLoginOverHttp(kAddressLimit, "203.0.113.20"), 429);
  EXPECT_EQ(UnknownLoginOverHttp(0, "203.0.113.21"), 404);
  // gRPC through the same server agrees: the refused client is refused there too.
  EXPECT_EQ(UnknownLoginOverGrpc(0, "203.0.113.20"), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

// 127.0.0.1 is not in the list: what it says it forwards for is ignored, so an attacker who
// writes a new X-Forwarded-For on every call is still counted under its own address.
TEST_F(TrustedProxiesE2eTest, AnUntrustedPeersForwardedForIsIgnored) {
  constexpr int kLimit = 5;  // small: this test's failures count under 127.0.0.1 itself
  StartServer({"--trusted_proxies=10.0.0.0/8", "--http_listen=127.0.0.1:0",
               absl::StrCat("--login_failures_per_address=", kLimit)});
  for (int i = 0; i < kLimit; ++i) {
    ASSERT_EQ(UnknownLoginOverGrpc(i, absl::StrCat("198.51.100.", i)), grpc::StatusCode::NOT_FOUND);
  }
  EXPECT_EQ(UnknownLoginOverGrpc(kLimit, "198.51.100.200"), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(UnknownLoginOverHttp(kLimit, "198.51.100.201"), 429);
}

// Garbage refreshes use up their address's limit; a valid refresh token from that address is
// still looked up (one read) and rotated. Past the limit nothing is written for what is not a
// live token: a replayed old one is refused without revoking its family again.
TEST_F(TrustedProxiesE2eTest, AValidRefreshWorksAfter101GarbageOnesFromItsAddress) {
  // The login limits off: other tests of this suite count failures under 127.0.0.1 too.
  StartServer({"--refresh_failures_per_address=100", "--login_failures_per_address=0"});
  ASSERT_TRUE(Register("refresh_behind_nat", "refresh_behind_nat@example.com", "").ok());
  const LoginResult login = Login("refresh_behind_nat@example.com", "");
  ASSERT_TRUE(login.status.ok()) << login.status.error_message();

  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(Refresh(absl::StrCat("garbage-", i)).error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << i;
  }
  // The 101st exhausts the limit; from then on garbage is refused from memory.
  EXPECT_NE(Refresh("garbage-100").error_code(), grpc::StatusCode::OK);
  EXPECT_EQ(Refresh("garbage-101").error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // A token of the issued form that does not exist: looked up, refused.
  EXPECT_EQ(Refresh(std::string(43, 'A')).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  auth::v1::RefreshTokenResponse refreshed;
  const grpc::Status valid = Refresh(login.response.refresh_token(), &refreshed);
  ASSERT_TRUE(valid.ok()) << valid.error_message();
  EXPECT_FALSE(refreshed.refresh_token().empty());

  // The old token again: past the limit it is refused without a reuse revocation...
  EXPECT_EQ(Refresh(login.response.refresh_token()).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  // ...so the new one still works.
  auth::v1::RefreshTokenResponse again;
  const grpc::Status successor = Refresh(refreshed.refresh_token(), &again);
  EXPECT_TRUE(successor.ok()) << successor.error_message();
}

}  // namespace
}  // namespace auth::service_testing
