// Tests of AuthClient against a real in-process server (FakeAuthService) on 127.0.0.1:0: the
// cookies, the authorization header and deadlines survive the wire, which a mock stub cannot
// show.
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "tools/auth_cli/auth_client.h"
#include "tools/auth_cli/fake_auth_service.h"

namespace auth::cli {
namespace {

using ::auth::test_util::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;

LoginParams EmailLogin() {
  LoginParams params;
  params.email = "alice@example.com";
  params.password_hash = kFakePassword;
  return params;
}

// A real server in the same process (FakeAuthService): proves the cookies and the
// authorization header survive the wire, which the mock stub cannot show.
class AuthClientOverLoopbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    stub_ = auth::v1::AuthService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                               grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    service_.ReleaseSlowRegister();
    if (server_ != nullptr) server_->Shutdown();
  }

  FakeAuthService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<auth::v1::AuthService::Stub> stub_;
};

TEST_F(AuthClientOverLoopbackTest, LoginReadsCookiesAndLogoutPresentsTheToken) {
  AuthClient client(*stub_);
  ASSERT_OK_AND_ASSIGN(LoginResult login, client.Login(EmailLogin()));
  EXPECT_EQ(login.user_id, 7);
  EXPECT_EQ(login.jwt_token, kFakeToken);
  ASSERT_EQ(login.set_cookies.size(), 2u);
  EXPECT_THAT(login.set_cookies[0], HasSubstr("HttpOnly; Secure; SameSite=Strict"));
  EXPECT_THAT(FindCookie(login.set_cookies, "user_id"), Optional(std::string("7")));
  EXPECT_THAT(FindCookie(login.set_cookies, "jwt-token"), Optional(std::string(kFakeToken)));

  ASSERT_OK_AND_ASSIGN(LogoutResult logout, client.Logout(login.user_id, login.jwt_token));
  EXPECT_EQ(logout.message, "User logout successfully");
  EXPECT_EQ(logout.status, 200);
  EXPECT_THAT(service_.authorization(), ElementsAre(std::string("Bearer ") + kFakeToken));
}

TEST_F(AuthClientOverLoopbackTest, RefreshValidateAndJwks) {
  AuthClient client(*stub_);
  ASSERT_OK_AND_ASSIGN(LoginResult login, client.Login(EmailLogin()));
  ASSERT_OK_AND_ASSIGN(RefreshResult next, client.Refresh(login.refresh_token));
  EXPECT_EQ(next.jwt_token, kFakeRotatedToken);
  EXPECT_EQ(next.refresh_token, kFakeNextRefreshToken);
  ASSERT_OK_AND_ASSIGN(ValidateResult valid, client.Validate(next.jwt_token));
  EXPECT_EQ(valid.user_id, kFakeUserId);
  EXPECT_EQ(valid.session_id, kFakeSessionId);
  ASSERT_OK_AND_ASSIGN(std::string jwks, client.GetJwks());
  EXPECT_EQ(jwks, kFakeJwks);
}

TEST_F(AuthClientOverLoopbackTest, ServerRejectionsArriveAsStatuses) {
  AuthClient client(*stub_);
  LoginParams wrong = EmailLogin();
  wrong.password_hash = "not the password";
  EXPECT_THAT(client.Login(wrong),
              StatusIs(absl::StatusCode::kUnauthenticated, "invalid credentials"));

  EXPECT_THAT(client.Logout(7, "someone.elses.token"),
              StatusIs(absl::StatusCode::kUnauthenticated, "invalid token"));
  EXPECT_THAT(service_.authorization(), ElementsAre("Bearer someone.elses.token"));
}

TEST_F(AuthClientOverLoopbackTest, SlowServerHitsTheDeadline) {
  AuthClient client(*stub_, absl::Milliseconds(200));
  RegisterParams slow;
  slow.username = "slow";
  slow.email = "slow@example.com";
  slow.password_hash = kFakePassword;
  EXPECT_THAT(client.Register(slow), StatusIs(absl::StatusCode::kDeadlineExceeded));
}

}  // namespace
}  // namespace auth::cli
