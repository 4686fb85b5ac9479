// End-to-end tests of Register, Login and Logout: the real auth_server binary against a real,
// private MariaDB (see e2e_fixture.h). The token RPCs are in token_e2e_test.cc.

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "services/auth/e2e/e2e_fixture.h"

namespace auth::service_testing {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST_F(AuthServerE2eTest, RegisterLoginLogoutAndTheTokenIsRefusedAfterwards) {
  ASSERT_TRUE(Register("alice", "Alice@Example.com", "+15551230001").ok());

  LoginResult by_email = Login("alice@EXAMPLE.com", "");
  ASSERT_TRUE(by_email.status.ok()) << by_email.status.error_message();
  const int32_t user_id = by_email.response.user_id();
  EXPECT_GT(user_id, 0);
  EXPECT_THAT(
      by_email.cookies,
      Contains(AllOf(StartsWith("user_id=" + std::to_string(user_id) + ";"), HasSubstr("HttpOnly"),
                     HasSubstr("Secure"), HasSubstr("SameSite=Strict"))));
  EXPECT_THAT(by_email.cookies,
              Contains(StartsWith("jwt-token=" + by_email.response.jwt_token() + ";")));

  LoginResult by_phone = Login("", "+15551230001");
  ASSERT_TRUE(by_phone.status.ok()) << by_phone.status.error_message();
  EXPECT_EQ(by_phone.response.user_id(), user_id);
  EXPECT_NE(by_phone.response.jwt_token(), by_email.response.jwt_token());

  EXPECT_EQ(Logout(user_id + 1000, by_email.response.jwt_token()).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Logout(user_id, by_email.response.jwt_token()).ok());
  // Logout ended every session of the user: both tokens are now refused.
  EXPECT_EQ(Logout(user_id, by_email.response.jwt_token()).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Logout(user_id, by_phone.response.jwt_token(), /*as_cookie=*/true).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthServerE2eTest, LogoutWithTheCookie) {
  ASSERT_TRUE(Register("carol", "carol@example.com", "").ok());
  LoginResult login = Login("carol@example.com", "");
  ASSERT_TRUE(login.status.ok());
  EXPECT_TRUE(Logout(login.response.user_id(), login.response.jwt_token(), true).ok());
}

TEST_F(AuthServerE2eTest, DuplicatesAreRefusedNamingTheField) {
  ASSERT_TRUE(Register("bob", "bob@example.com", "+15551230002").ok());
  grpc::Status status = Register("bob", "bob2@example.com", "");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("username"));
  status = Register("bob2", "BOB@example.com", "");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("email"));
  status = Register("bob3", "bob3@example.com", "+15551230002");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("phone_number"));
  // The original account is intact.
  EXPECT_TRUE(Login("bob@example.com", "").status.ok());
}

TEST_F(AuthServerE2eTest, BadInputAndBadCredentials) {
  EXPECT_EQ(Register("x", "x@example.com", "").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Register("dave", "dave@", "").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Register("dave", "dave@example.com", "555").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Register("dave", "dave@example.com", "", "short").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(Register("dave", "dave@example.com", "").ok());

  EXPECT_EQ(Login("dave@example.com", "", "wrong-password-123").status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Login("nobody@example.com", "").status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Login("dave@example.com", "+15551230003").status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Logout(0, "x").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Logout(1, "not-a-jwt").error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthServerE2eTest, OversizedRequestIsRefusedBeforeAnyWork) {
  grpc::Status status = Register("erin", "erin@example.com", "", std::string(64 * 1024, 'p'));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(AuthServerE2eTest, RestartKeepsUsersAndRevocations) {
  ASSERT_TRUE(Register("frank", "frank@example.com", "").ok());
  LoginResult revoked = Login("frank@example.com", "");
  ASSERT_TRUE(revoked.status.ok());
  const int32_t user_id = revoked.response.user_id();
  ASSERT_TRUE(Logout(user_id, revoked.response.jwt_token()).ok());
  LoginResult live = Login("frank@example.com", "");
  ASSERT_TRUE(live.status.ok());

  RestartServer();

  EXPECT_EQ(Logout(user_id, revoked.response.jwt_token()).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Logout(user_id, live.response.jwt_token()).ok());
  LoginResult after = Login("frank@example.com", "");
  ASSERT_TRUE(after.status.ok());
  EXPECT_EQ(after.response.user_id(), user_id);
}

TEST(AuthServerStartupTest, ExitsAtOnceWithoutADatabase) {
  absl::StatusOr<std::unique_ptr<Subprocess>> server = AuthServerProcess::Launch(
      {"--mysql_endpoint=unix:///tmp/no-such-dir-for-auth-test/mysqld.sock"});
  ASSERT_THAT(server, auth::test_util::IsOk());
  EXPECT_THAT((*server)->Wait(absl::Seconds(15)),
              auth::test_util::IsOkAndHolds(Field(&ExitStatus::code, 1)));
}

}  // namespace
}  // namespace auth::service_testing
