// Tests of AuthClient: request building and error mapping against the generated gMock stub.
// auth_client_loopback_test.cc runs it against a real in-process server.
#include "tools/auth_cli/auth_client.h"

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "api/auth/v1/auth.pb.h"
#include "api/auth/v1/auth_mock.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/test/client_context_test_peer.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "tools/auth_cli/fake_auth_service.h"

namespace auth::cli {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::auth::v1::LoginRequest;
using ::auth::v1::LoginResponse;
using ::auth::v1::LogoutRequest;
using ::auth::v1::LogoutResponse;
using ::auth::v1::MockAuthServiceStub;
using ::auth::v1::RefreshTokenRequest;
using ::auth::v1::RefreshTokenResponse;
using ::auth::v1::RegisterRequest;
using ::auth::v1::RegisterResponse;
using ::auth::v1::ValidateTokenRequest;
using ::auth::v1::ValidateTokenResponse;
using ::testing::_;
using ::testing::AllOf;
using ::testing::DoAll;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;
using ::testing::Pair;
using ::testing::Return;
using ::testing::SaveArg;
using ::testing::SetArgPointee;
using ::testing::StrictMock;
using ::testing::UnorderedElementsAre;

constexpr const char* kSecret = kFakePassword;
constexpr const char* kToken = kFakeToken;

LoginParams EmailLogin() {
  LoginParams params;
  params.email = "alice@example.com";
  params.password_hash = kSecret;
  return params;
}

RegisterParams Alice() {
  RegisterParams params;
  params.username = "alice";
  params.email = "alice@example.com";
  params.phone_number = "+15551234567";
  params.password_hash = kSecret;
  return params;
}

TEST(AuthClientTest, RegisterSendsEveryFieldAsGiven) {
  StrictMock<MockAuthServiceStub> stub;
  RegisterRequest sent;
  RegisterResponse canned;
  canned.set_message("User registered successfully");
  canned.set_status(201);
  EXPECT_CALL(stub, Register(_, _, _))
      .WillOnce(DoAll(SaveArg<1>(&sent), SetArgPointee<2>(canned), Return(grpc::Status::OK)));

  AuthClient client(stub);
  ASSERT_OK_AND_ASSIGN(RegisterResult result, client.Register(Alice()));
  EXPECT_EQ(result.message, "User registered successfully");
  EXPECT_EQ(result.status, 201);
  EXPECT_EQ(sent.username(), "alice");
  EXPECT_EQ(sent.email(), "alice@example.com");
  EXPECT_EQ(sent.phone_number(), "+15551234567");
  // The password travels as-is: the tool promises not to digest it.
  EXPECT_EQ(sent.password_hash(), kSecret);
}

TEST(AuthClientTest, RegisterRejectsMissingOrMalformedFieldsWithoutAnRpc) {
  StrictMock<MockAuthServiceStub> stub;  // Any RPC fails the test.
  AuthClient client(stub);

  RegisterParams no_username = Alice();
  no_username.username.clear();
  EXPECT_THAT(client.Register(no_username),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("username")));

  RegisterParams no_email = Alice();
  no_email.email.clear();
  EXPECT_THAT(client.Register(no_email), StatusIs(absl::StatusCode::kInvalidArgument));

  RegisterParams no_password = Alice();
  no_password.password_hash.clear();
  EXPECT_THAT(client.Register(no_password),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("password")));

  RegisterParams bad_utf8 = Alice();
  bad_utf8.password_hash = "secret\xC3\x28";  // A broken two-byte sequence.
  EXPECT_THAT(client.Register(bad_utf8),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("UTF-8"), Not(HasSubstr("secret")))));
}

TEST(AuthClientTest, LoginByEmailLeavesPhoneEmpty) {
  StrictMock<MockAuthServiceStub> stub;
  LoginRequest sent;
  std::unique_ptr<grpc::testing::ClientContextTestPeer> peer;
  EXPECT_CALL(stub, Login(_, _, _))
      .WillOnce(
          [&](grpc::ClientContext* context, const LoginRequest& request, LoginResponse* response) {
            sent = request;
            peer = std::make_unique<grpc::testing::ClientContextTestPeer>(context);
            peer->AddServerInitialMetadata("content-type", "application/grpc");
            response->set_user_id(7);
            response->set_jwt_token(kToken);
            response->set_refresh_token(kFakeRefreshToken);
            response->set_expires_at_unix_seconds(kFakeExpiresAt);
            return grpc::Status::OK;
          });

  AuthClient client(stub);
  ASSERT_OK_AND_ASSIGN(LoginResult result, client.Login(EmailLogin()));
  EXPECT_EQ(result.user_id, 7);
  EXPECT_EQ(result.jwt_token, kToken);
  EXPECT_EQ(result.refresh_token, kFakeRefreshToken);
  EXPECT_EQ(result.expires_at_unix_seconds, kFakeExpiresAt);
  EXPECT_TRUE(result.set_cookies.empty());
  EXPECT_EQ(sent.email(), "alice@example.com");
  EXPECT_EQ(sent.phone_number(), "");
  EXPECT_EQ(sent.password_hash(), kSecret);
}

TEST(AuthClientTest, LoginByPhoneReturnsEverySetCookieInOrder) {
  StrictMock<MockAuthServiceStub> stub;
  LoginRequest sent;
  std::unique_ptr<grpc::testing::ClientContextTestPeer> peer;
  EXPECT_CALL(stub, Login(_, _, _))
      .WillOnce(
          [&](grpc::ClientContext* context, const LoginRequest& request, LoginResponse* response) {
            sent = request;
            peer = std::make_unique<grpc::testing::ClientContextTestPeer>(context);
            peer->AddServerInitialMetadata("set-cookie", "user_id=9; Path=/; HttpOnly");
            peer->AddServerInitialMetadata("x-unrelated", "ignored");
            peer->AddServerInitialMetadata("set-cookie", "jwt-token=abc.def.ghi; Path=/; Secure");
            response->set_user_id(9);
            return grpc::Status::OK;
          });

  LoginParams params;
  params.phone_number = "+15550000000";
  params.password_hash = kSecret;
  AuthClient client(stub);
  ASSERT_OK_AND_ASSIGN(LoginResult result, client.Login(params));
  EXPECT_EQ(sent.phone_number(), "+15550000000");
  EXPECT_EQ(sent.email(), "");
  EXPECT_THAT(result.set_cookies,
              ElementsAre("user_id=9; Path=/; HttpOnly", "jwt-token=abc.def.ghi; Path=/; Secure"));
}

TEST(AuthClientTest, LoginNeedsExactlyOneOfEmailAndPhone) {
  StrictMock<MockAuthServiceStub> stub;
  AuthClient client(stub);

  LoginParams both = EmailLogin();
  both.phone_number = "+15550000000";
  EXPECT_THAT(client.Login(both), StatusIs(absl::StatusCode::kInvalidArgument));

  LoginParams neither = EmailLogin();
  neither.email.clear();
  EXPECT_THAT(client.Login(neither), StatusIs(absl::StatusCode::kInvalidArgument));

  LoginParams no_password = EmailLogin();
  no_password.password_hash.clear();
  EXPECT_THAT(client.Login(no_password), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(AuthClientTest, LogoutSendsTheTokenAsBearerMetadata) {
  StrictMock<MockAuthServiceStub> stub;
  std::multimap<std::string, std::string> sent_metadata;
  LogoutRequest sent;
  EXPECT_CALL(stub, Logout(_, _, _))
      .WillOnce([&](grpc::ClientContext* context, const LogoutRequest& request,
                    LogoutResponse* response) {
        sent = request;
        sent_metadata = grpc::testing::ClientContextTestPeer(context).GetSendInitialMetadata();
        response->set_message("User logout successfully");
        response->set_status(200);
        return grpc::Status::OK;
      });

  AuthClient client(stub);
  ASSERT_OK_AND_ASSIGN(LogoutResult result, client.Logout(7, kToken));
  EXPECT_EQ(result.message, "User logout successfully");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(sent.user_id(), 7);
  EXPECT_THAT(sent_metadata,
              UnorderedElementsAre(Pair("authorization", std::string("Bearer ") + kToken)));
}

TEST(AuthClientTest, LogoutCanEndTheCurrentSessionOnly) {
  StrictMock<MockAuthServiceStub> stub;
  LogoutRequest sent;
  EXPECT_CALL(stub, Logout(_, _, _)).WillOnce(DoAll(SaveArg<1>(&sent), Return(grpc::Status::OK)));
  AuthClient client(stub);
  ASSERT_THAT(client.Logout(7, kToken, /*current_session_only=*/true), IsOk());
  EXPECT_TRUE(sent.current_session_only());
}

TEST(AuthClientTest, RefreshSendsTheRefreshTokenAndReturnsThePair) {
  StrictMock<MockAuthServiceStub> stub;
  RefreshTokenRequest sent;
  RefreshTokenResponse canned;
  canned.set_user_id(7);
  canned.set_jwt_token(kFakeRotatedToken);
  canned.set_refresh_token(kFakeNextRefreshToken);
  canned.set_expires_at_unix_seconds(kFakeExpiresAt);
  EXPECT_CALL(stub, RefreshToken(_, _, _))
      .WillOnce(DoAll(SaveArg<1>(&sent), SetArgPointee<2>(canned), Return(grpc::Status::OK)));

  AuthClient client(stub);
  ASSERT_OK_AND_ASSIGN(RefreshResult result, client.Refresh(kFakeRefreshToken));
  EXPECT_EQ(sent.refresh_token(), kFakeRefreshToken);
  EXPECT_EQ(result.user_id, 7);
  EXPECT_EQ(result.jwt_token, kFakeRotatedToken);
  EXPECT_EQ(result.refresh_token, kFakeNextRefreshToken);
  EXPECT_EQ(result.expires_at_unix_seconds, kFakeExpiresAt);
}

TEST(AuthClientTest, ValidateSendsTheTokenInTheRequest) {
  StrictMock<MockAuthServiceStub> stub;
  ValidateTokenRequest sent;
  ValidateTokenResponse canned;
  canned.set_user_id(7);
  canned.set_session_id("s-1");
  canned.set_expires_at_unix_seconds(kFakeExpiresAt);
  EXPECT_CALL(stub, ValidateToken(_, _, _))
      .WillOnce(DoAll(SaveArg<1>(&sent), SetArgPointee<2>(canned), Return(grpc::Status::OK)));

  AuthClient client(stub);
  ASSERT_OK_AND_ASSIGN(ValidateResult result, client.Validate(kToken));
  EXPECT_EQ(sent.token(), kToken);
  EXPECT_EQ(result.user_id, 7);
  EXPECT_EQ(result.session_id, "s-1");
  EXPECT_EQ(result.expires_at_unix_seconds, kFakeExpiresAt);
}

TEST(AuthClientTest, RefreshAndValidateRejectBadTokensWithoutAnRpc) {
  StrictMock<MockAuthServiceStub> stub;
  AuthClient client(stub);
  for (const char* token : {"", "abc def", "abc\r\nx: 1", "t\xC3\xA9"}) {
    EXPECT_THAT(client.Refresh(token),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("refresh_token")));
    EXPECT_THAT(client.Validate(token),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("token")));
  }
}

TEST(AuthClientTest, LogoutRejectsBadInputWithoutAnRpc) {
  StrictMock<MockAuthServiceStub> stub;
  AuthClient client(stub);
  EXPECT_THAT(client.Logout(0, kToken), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(client.Logout(-3, kToken), StatusIs(absl::StatusCode::kInvalidArgument));
  for (const char* token : {"", "Bearer abc", "abc\r\nx-evil: 1", "abc\tdef", "t\xC3\xA9"}) {
    EXPECT_THAT(client.Logout(7, token),
                StatusIs(absl::StatusCode::kInvalidArgument, Not(HasSubstr("abc"))))
        << "token #" << token;
  }
}

TEST(ValidateParamsTest, AcceptsGoodInputAndNamesTheBadField) {
  EXPECT_THAT(ValidateRegisterParams(Alice()), IsOk());
  RegisterParams no_phone = Alice();
  no_phone.phone_number.clear();  // The phone is optional at registration.
  EXPECT_THAT(ValidateRegisterParams(no_phone), IsOk());
  RegisterParams bad_email = Alice();
  bad_email.email = "\xFF@example.com";
  EXPECT_THAT(ValidateRegisterParams(bad_email),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("email")));

  EXPECT_THAT(ValidateLoginParams(EmailLogin()), IsOk());
  LoginParams utf8_password = EmailLogin();
  utf8_password.password_hash = "p\xC3\xA4ssw\xC3\xB6rd \xF0\x9F\x94\x91";  // Multi-byte is fine.
  EXPECT_THAT(ValidateLoginParams(utf8_password), IsOk());
  LoginParams overlong = EmailLogin();
  overlong.password_hash = "\xC0\xAF";  // An overlong '/', which UTF-8 forbids.
  EXPECT_THAT(ValidateLoginParams(overlong),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("password")));
  LoginParams surrogate = EmailLogin();
  surrogate.password_hash = "\xED\xA0\x80";  // U+D800 is not a character.
  EXPECT_THAT(ValidateLoginParams(surrogate), StatusIs(absl::StatusCode::kInvalidArgument));
  LoginParams truncated = EmailLogin();
  truncated.password_hash = "ok\xE2\x82";  // A three-byte sequence cut short.
  EXPECT_THAT(ValidateLoginParams(truncated), StatusIs(absl::StatusCode::kInvalidArgument));

  EXPECT_THAT(ValidateLogoutParams(7, kToken), IsOk());
  EXPECT_THAT(ValidateLogoutParams(7, ""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateLogoutParams(0, kToken),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("user_id")));
}

TEST(AuthClientTest, EachRpcGetsTheConfiguredDeadline) {
  StrictMock<MockAuthServiceStub> stub;
  std::chrono::system_clock::time_point deadline;
  EXPECT_CALL(stub, Register(_, _, _))
      .WillOnce([&](grpc::ClientContext* context, const RegisterRequest&, RegisterResponse*) {
        deadline = context->deadline();
        return grpc::Status::OK;
      });

  AuthClient client(stub, absl::Seconds(30));
  const absl::Time before = absl::Now();
  ASSERT_THAT(client.Register(Alice()), IsOk());
  const absl::Time after = absl::Now();
  const absl::Time got = absl::FromChrono(deadline);
  EXPECT_GE(got, before + absl::Seconds(30));
  EXPECT_LE(got, after + absl::Seconds(30));
}

// Every failure of the server reaches the caller with its code and message unchanged.
class ErrorMappingTest : public ::testing::TestWithParam<grpc::StatusCode> {};

TEST_P(ErrorMappingTest, ServerErrorsKeepTheirCodeAndMessage) {
  const grpc::Status failure(GetParam(), "what the server said");
  const auto expected = static_cast<absl::StatusCode>(GetParam());
  StrictMock<MockAuthServiceStub> stub;
  EXPECT_CALL(stub, Register(_, _, _)).WillOnce(Return(failure));
  EXPECT_CALL(stub, Login(_, _, _)).WillOnce(Return(failure));
  EXPECT_CALL(stub, Logout(_, _, _)).WillOnce(Return(failure));
  EXPECT_CALL(stub, RefreshToken(_, _, _)).WillOnce(Return(failure));
  EXPECT_CALL(stub, ValidateToken(_, _, _)).WillOnce(Return(failure));
  EXPECT_CALL(stub, GetJwks(_, _, _)).WillOnce(Return(failure));

  AuthClient client(stub);
  EXPECT_THAT(client.Register(Alice()), StatusIs(expected, "what the server said"));
  EXPECT_THAT(client.Login(EmailLogin()), StatusIs(expected, "what the server said"));
  EXPECT_THAT(client.Logout(7, kToken), StatusIs(expected, "what the server said"));
  EXPECT_THAT(client.Refresh(kFakeRefreshToken), StatusIs(expected, "what the server said"));
  EXPECT_THAT(client.Validate(kToken), StatusIs(expected, "what the server said"));
  EXPECT_THAT(client.GetJwks(), StatusIs(expected, "what the server said"));
}

INSTANTIATE_TEST_SUITE_P(
    AllSpecifiedCodes, ErrorMappingTest,
    ::testing::Values(grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::ALREADY_EXISTS,
                      grpc::StatusCode::UNAUTHENTICATED, grpc::StatusCode::NOT_FOUND,
                      grpc::StatusCode::PERMISSION_DENIED, grpc::StatusCode::INTERNAL,
                      grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED));

TEST(StatusFromGrpcTest, MapsCodesByName) {
  EXPECT_THAT(StatusFromGrpc(grpc::Status::OK), IsOk());
  const absl::Status status = StatusFromGrpc(grpc::Status(grpc::StatusCode::NOT_FOUND, "gone"));
  EXPECT_EQ(absl::StatusCodeToString(status.code()), "NOT_FOUND");
  EXPECT_EQ(status.message(), "gone");
}

TEST(FindCookieTest, FindsTheValueByNameAndIgnoresAttributes) {
  const std::vector<std::string> cookies = {
      "user_id=7; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=3600",
      "jwt-token=a.b.c; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=3600",
      "malformed-without-equals",
  };
  EXPECT_THAT(FindCookie(cookies, "user_id"), Optional(std::string("7")));
  EXPECT_THAT(FindCookie(cookies, "jwt-token"), Optional(std::string("a.b.c")));
  EXPECT_EQ(FindCookie(cookies, "Path"), std::nullopt);  // An attribute, not a cookie.
  EXPECT_EQ(FindCookie(cookies, "jwt"), std::nullopt);
  EXPECT_EQ(FindCookie({}, "user_id"), std::nullopt);
}

}  // namespace
}  // namespace auth::cli
