// Unit tests of AuthServiceImpl's GetSession (see testing/service_fixture.h): "who am I" for the
// token presented as Bearer or jwt-token cookie, checked as ValidateToken checks it.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/auth/testing/service_fixture.h"

namespace auth::service_testing {
namespace {

using ::auth::repository::Session;
using ::auth::token::TokenClaims;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Return;

// GetSession reaches the verifier and the sessions, like ValidateToken, then reads the user
// (email_verified): a missing token does no work, and a forged one never reaches the database.
class GetSessionTest : public ServiceTest {
 protected:
  GetSessionTest()
      : ServiceTest({Collaborator::kVerifier, Collaborator::kSessions, Collaborator::kUsers}) {}

  // GetSession with metadata `key: value` (none if `key` is empty).
  grpc::Status GetSession(const std::string& key, const std::string& value,
                          auth::v1::GetSessionResponse* response) {
    grpc::ClientContext context;
    if (!key.empty()) context.AddMetadata(key, value);
    return stub_->GetSession(&context, auth::v1::GetSessionRequest(), response);
  }
};

TEST_F(GetSessionTest, AnswersWhoAmIForABearerToken) {
  const TokenClaims claims = ClaimsFor("42", "jti-1");
  EXPECT_CALL(verifier_, VerifyPrehashed(absl::string_view(kToken), IsDigestOf(kToken)))
      .WillOnce(Return(claims));
  EXPECT_CALL(sessions_, FindActiveMany(ElementsAre("jti-1")))
      .WillOnce(Return(std::vector<Session>{SessionOf(kToken)}));
  repository::User verified = StoredUser(42);
  verified.email_verified = true;
  EXPECT_CALL(users_, FindById(42)).WillOnce(Return(verified));
  auth::v1::GetSessionResponse response;
  grpc::Status status = GetSession("authorization", std::string("Bearer ") + kToken, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.user_id(), 42);
  EXPECT_EQ(response.session_id(), "jti-1");
  EXPECT_EQ(response.expires_at_unix_seconds(), absl::ToUnixSeconds(claims.expires_at));
  EXPECT_TRUE(response.email_verified());
}

TEST_F(GetSessionTest, AnswersWhoAmIForAJwtTokenCookie) {
  EXPECT_CALL(verifier_, VerifyPrehashed(absl::string_view(kToken), _))
      .WillOnce(Return(ClaimsFor("42", "jti-1")));
  EXPECT_CALL(sessions_, FindActiveMany(ElementsAre("jti-1")))
      .WillOnce(Return(std::vector<Session>{SessionOf(kToken)}));
  EXPECT_CALL(users_, FindById(42)).WillOnce(Return(StoredUser(42)));
  auth::v1::GetSessionResponse response;
  grpc::Status status =
      GetSession("cookie", std::string("user_id=42; jwt-token=") + kToken, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.user_id(), 42);
  EXPECT_FALSE(response.email_verified());
}

TEST_F(GetSessionTest, UnreachableUsersAreUnavailableNotUnverified) {
  EXPECT_CALL(verifier_, VerifyPrehashed(absl::string_view(kToken), _))
      .WillOnce(Return(ClaimsFor("42", "jti-1")));
  EXPECT_CALL(sessions_, FindActiveMany(ElementsAre("jti-1")))
      .WillOnce(Return(std::vector<Session>{SessionOf(kToken)}));
  EXPECT_CALL(users_, FindById(42)).WillOnce(Return(absl::UnavailableError("db down")));
  auth::v1::GetSessionResponse response;
  EXPECT_EQ(GetSession("authorization", std::string("Bearer ") + kToken, &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GetSessionTest, WithoutATokenIsUnauthenticatedWithoutWork) {
  auth::v1::GetSessionResponse response;
  EXPECT_EQ(GetSession("", "", &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(GetSession("authorization", "Basic abc", &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GetSessionTest, ForgedTokensNeverReachTheDatabase) {
  EXPECT_CALL(verifier_, VerifyPrehashed(_, _))
      .WillOnce(Return(absl::UnauthenticatedError("bad signature")));
  auth::v1::GetSessionResponse response;
  grpc::Status status = GetSession("authorization", std::string("Bearer ") + kToken, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), Not(HasSubstr(kToken)));
}

TEST_F(GetSessionTest, EndedOrMismatchedSessionsAreUnauthenticated) {
  EXPECT_CALL(verifier_, VerifyPrehashed(_, _)).WillRepeatedly(Return(ClaimsFor("42")));
  EXPECT_CALL(sessions_, FindActiveMany(_))
      .WillOnce(Return(std::vector<Session>{}))
      .WillOnce(Return(std::vector<Session>{SessionOf("another.token.value")}));
  auth::v1::GetSessionResponse response;
  EXPECT_EQ(GetSession("authorization", std::string("Bearer ") + kToken, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(GetSession("authorization", std::string("Bearer ") + kToken, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace auth::service_testing
