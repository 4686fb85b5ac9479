// AccountService.ChangePassword end to end: the real auth_server on a real MariaDB, over gRPC and
// over the HTTP front (Connect JSON). A wrong current password is a failed login for the abuse
// limits; a bad new one changes nothing; a change ends every other session and refresh token
// (and this one unless keep_this_session), and the old password stops working.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "api/auth/v1/account.grpc.pb.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "services/auth/e2e/http_fixture.h"
#include "services/auth/testing/http_test_client.h"

namespace auth::service_testing {
namespace {

constexpr char kNewPassword[] = "e2e-new-client-digest-9876543210";
constexpr char kWrongPassword[] = "e2e-wrong-client-digest-000000";

class ChangePasswordE2eTest : public HttpE2eTest {
 protected:
  struct Answer {
    grpc::Status status;
    std::string retry_after;
  };

  // ChangePassword over gRPC, presenting `token` as a bearer token.
  Answer Change(const std::string& token, const std::string& current, const std::string& next,
                bool keep_this_session = false) {
    auto stub = auth::v1::AccountService::NewStub(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    auth::v1::ChangePasswordRequest request;
    request.set_current_password_hash(current);
    request.set_new_password_hash(next);
    request.set_keep_this_session(keep_this_session);
    auth::v1::ChangePasswordResponse response;
    Answer answer;
    answer.status = stub->ChangePassword(&context, request, &response);
    auto retry = context.GetServerTrailingMetadata().find("retry-after");
    if (retry != context.GetServerTrailingMetadata().end()) {
      answer.retry_after = std::string(retry->second.data(), retry->second.size());
    }
    return answer;
  }

  LoginResult LoggedIn(const std::string& email, const std::string& password = kPassword) {
    LoginResult login = Login(email, "", password);
    EXPECT_TRUE(login.status.ok()) << login.status.error_message();
    return login;
  }

  HttpReply PostChange(const nlohmann::json& body, const HttpHeaders& headers) {
    absl::StatusOr<HttpReply> reply = http().Post("/auth.v1.AccountService/ChangePassword",
                                                  "application/json", body.dump(), headers);
    if (!reply.ok()) {
      ADD_FAILURE() << reply.status();
      return HttpReply();
    }
    return *std::move(reply);
  }
};

// Login's default limit: 5 failures of an untrusted account per window. The 6th attempt is
// refused before its hash, even with the right password, and so is the owner's Login.
TEST_F(ChangePasswordE2eTest, AWrongCurrentPasswordCountsAsAFailedLogin) {
  ASSERT_TRUE(Register("cp_guess", "cp_guess@example.com", "").ok());
  const LoginResult login = LoggedIn("cp_guess@example.com");
  const std::string token = login.response.jwt_token();
  for (int i = 0; i < 5; ++i) {
    const Answer answer = Change(token, kWrongPassword, kNewPassword);
    EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << "attempt " << i;
  }
  const Answer refused = Change(token, kPassword, kNewPassword);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_FALSE(refused.retry_after.empty());
  EXPECT_EQ(Login("cp_guess@example.com", "", kPassword).status.error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(Validate(token).ok()) << "a refused change ended the session";
}

TEST_F(ChangePasswordE2eTest, ABadNewPasswordChangesNothing) {
  ASSERT_TRUE(Register("cp_bad", "cp_bad@example.com", "").ok());
  const LoginResult login = LoggedIn("cp_bad@example.com");
  EXPECT_EQ(Change(login.response.jwt_token(), kPassword, "short").status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Validate(login.response.jwt_token()).ok());
  EXPECT_TRUE(Refresh(login.response.refresh_token()).ok());
  LoggedIn("cp_bad@example.com");
}

TEST_F(ChangePasswordE2eTest, AChangeEndsTheOtherSessionsAndThisOneUnlessKept) {
  ASSERT_TRUE(Register("cp_ok", "cp_ok@example.com", "").ok());
  const LoginResult kept = LoggedIn("cp_ok@example.com");
  const LoginResult other = LoggedIn("cp_ok@example.com");
  ASSERT_TRUE(Change(kept.response.jwt_token(), kPassword, kNewPassword, true).status.ok());

  EXPECT_EQ(Login("cp_ok@example.com", "", kPassword).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  const LoginResult fresh = LoggedIn("cp_ok@example.com", kNewPassword);
  EXPECT_EQ(Validate(other.response.jwt_token()).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Refresh(other.response.refresh_token()).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Validate(kept.response.jwt_token()).ok());
  auth::v1::RefreshTokenResponse rotated;
  EXPECT_TRUE(Refresh(kept.response.refresh_token(), &rotated).ok());

  // Without keep_this_session the presented session ends too, with every other one.
  ASSERT_TRUE(Change(fresh.response.jwt_token(), kNewPassword, kPassword).status.ok());
  EXPECT_EQ(Validate(fresh.response.jwt_token()).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Refresh(fresh.response.refresh_token()).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Validate(rotated.jwt_token()).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Refresh(rotated.refresh_token()).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  LoggedIn("cp_ok@example.com", kPassword);
}

TEST_F(ChangePasswordE2eTest, OverHttpWithTheFrontsCodesAndOriginChecks) {
  ASSERT_NO_FATAL_FAILURE(RegisterOverHttp("cp_http", "cp_http@example.com"));
  const LoginResult login = LoggedIn("cp_http@example.com");
  const std::string cookie = absl::StrCat("jwt-token=", login.response.jwt_token());
  const nlohmann::json change = {{"currentPasswordHash", kPassword},
                                 {"newPasswordHash", kNewPassword}};

  // A foreign page's request with the browser's cookie: refused before any work.
  HttpReply foreign = PostChange(change, {{"Cookie", cookie}, {"Origin", "http://127.0.0.1:1"}});
  EXPECT_EQ(foreign.status, 403) << foreign.body;
  const HttpHeaders bearer = {{"Authorization", "Bearer " + login.response.jwt_token()}};
  HttpReply wrong = PostChange(
      {{"currentPasswordHash", kWrongPassword}, {"newPasswordHash", kNewPassword}}, bearer);
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  HttpReply bad =
      PostChange({{"currentPasswordHash", kPassword}, {"newPasswordHash", "short"}}, bearer);
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(nlohmann::json::parse(bad.body)["code"], "invalid_argument");
  LoggedIn("cp_http@example.com");  // nothing changed yet

  // The allowed origin's page, with the cookie: changed, and the cookies expired.
  HttpReply changed = PostChange(change, {{"Cookie", cookie}, {"Origin", kAllowedOrigin}});
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(nlohmann::json::parse(changed.body), nlohmann::json::object());
  EXPECT_THAT(changed.SetCookieLine("jwt-token"), ::testing::HasSubstr("Max-Age=0"));
  EXPECT_EQ(Login("cp_http@example.com", "", kPassword).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  LoggedIn("cp_http@example.com", kNewPassword);
  EXPECT_EQ(Validate(login.response.jwt_token()).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace auth::service_testing
