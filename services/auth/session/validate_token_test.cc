// Unit tests of AuthServiceImpl's ValidateToken and its batches (see testing/service_fixture.h).
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
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
using ::testing::Invoke;
using ::testing::Not;
using ::testing::Return;

// ValidateToken reaches the verifier and the sessions: empty or oversized tokens are not
// verified, and forged or expired ones never reach the database.
class ValidateTokenTest : public ServiceTest {
 protected:
  ValidateTokenTest() : ServiceTest({Collaborator::kVerifier, Collaborator::kSessions}) {}
};

// --- ValidateToken ---

TEST_F(ValidateTokenTest, ValidateTokenAnswersForALiveSession) {
  const TokenClaims claims = ClaimsFor("42", "jti-1");
  EXPECT_CALL(verifier_, VerifyPrehashed(absl::string_view(kToken), IsDigestOf(kToken)))
      .WillOnce(Return(claims));
  EXPECT_CALL(sessions_, FindActiveMany(ElementsAre("jti-1")))
      .WillOnce(Return(std::vector<Session>{SessionOf(kToken)}));
  auth::v1::ValidateTokenResponse response;
  grpc::Status status = Validate(kToken, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.user_id(), 42);
  EXPECT_EQ(response.session_id(), "jti-1");
  EXPECT_EQ(response.expires_at_unix_seconds(), absl::ToUnixSeconds(claims.expires_at));
}

TEST_F(ValidateTokenTest, ValidateTokenRefusesEmptyOrOversizedTokensWithoutWork) {
  auth::v1::ValidateTokenResponse response;
  grpc::Status status = Validate("", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("token"));
  EXPECT_EQ(Validate(std::string(4097, 'a'), &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ValidateTokenTest, ValidateTokenRefusesForgedOrExpiredTokensWithoutTheDatabase) {
  EXPECT_CALL(verifier_, VerifyPrehashed(_, _))
      .WillOnce(Return(absl::UnauthenticatedError("bad signature")))
      .WillOnce(Return(absl::UnauthenticatedError("token expired")));
  auth::v1::ValidateTokenResponse response;
  EXPECT_EQ(Validate(kToken, &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status status = Validate(kToken, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), Not(HasSubstr(kToken)));
}

TEST_F(ValidateTokenTest, ValidateTokenRefusesSubjectsThatAreNotApiUserIds) {
  for (const char* subject : {"alice", "0", "-3", "2147483648"}) {
    EXPECT_CALL(verifier_, VerifyPrehashed(_, _)).WillOnce(Return(ClaimsFor(subject)));
    auth::v1::ValidateTokenResponse response;
    EXPECT_EQ(Validate(kToken, &response).error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << subject;
  }
}

TEST_F(ValidateTokenTest, ValidateTokenRefusesRevokedOrMismatchedSessions) {
  EXPECT_CALL(verifier_, VerifyPrehashed(_, _)).WillRepeatedly(Return(ClaimsFor("42")));
  EXPECT_CALL(sessions_, FindActiveMany(_))
      .WillOnce(Return(std::vector<Session>{}))
      .WillOnce(Return(std::vector<Session>{SessionOf("another token")}))
      .WillOnce(Return(std::vector<Session>{SessionOf(kToken, /*user_id=*/7)}));
  auth::v1::ValidateTokenResponse response;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Validate(kToken, &response).error_code(), grpc::StatusCode::UNAUTHENTICATED) << i;
    EXPECT_EQ(response.user_id(), 0);
  }
}

TEST_F(ValidateTokenTest, ValidateTokenReportsDatabaseOutageAsUnavailable) {
  EXPECT_CALL(verifier_, VerifyPrehashed(_, _)).WillOnce(Return(ClaimsFor("42")));
  EXPECT_CALL(sessions_, FindActiveMany(_)).WillOnce(Return(absl::UnavailableError("down")));
  auth::v1::ValidateTokenResponse response;
  EXPECT_EQ(Validate(kToken, &response).error_code(), grpc::StatusCode::UNAVAILABLE);
}

// Validations that queue while the database workers are busy share one query; each is
// answered from its own session (or its absence).
TEST_F(ValidateTokenTest, QueuedValidationsShareOneQueryAndKeepTheirOwnVerdicts) {
  const std::vector<std::string> tokens = {"token.of.one", "token.of.two", "token.of.three"};
  ExpectTokensOfUsers(tokens);
  BatchSizes batches;
  EXPECT_CALL(sessions_, FindActiveMany(_))
      .WillRepeatedly(Invoke([&](const std::vector<std::string>& jtis) {
        batches.Record(jtis.size());
        std::vector<Session> active;  // session 2 has ended
        for (const std::string& jti : jtis) {
          const int user = jti.back() - '0';
          if (user != 2) active.push_back(SessionOf(tokens[user - 1], user, jti));
        }
        return active;
      }));
  std::vector<grpc::Status> statuses(3);
  std::vector<int32_t> users(3);
  CallConcurrentlyBehindBusyDatabase(3, [&](int i) {
    auth::v1::ValidateTokenResponse response;
    statuses[i] = Validate(tokens[i], &response);
    users[i] = response.user_id();
  });
  EXPECT_TRUE(statuses[0].ok()) << statuses[0].error_message();
  EXPECT_EQ(users[0], 1);
  EXPECT_EQ(statuses[1].error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(statuses[2].ok()) << statuses[2].error_message();
  EXPECT_EQ(users[2], 3);
  EXPECT_EQ(batches.total(), 3u);
  EXPECT_GE(batches.largest(), 2u);
}

}  // namespace
}  // namespace auth::service_testing
