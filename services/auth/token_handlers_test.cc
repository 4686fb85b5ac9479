// Unit tests of AuthServiceImpl's ValidateToken, RefreshToken and GetJwks (see
// auth_service_test_fixture.h).

#include <algorithm>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/auth/auth_service_test_fixture.h"
#include "services/auth/opaque_tokens.h"

namespace auth::service::testing {
namespace {

using ::auth::repository::RefreshToken;
using ::auth::repository::RefreshTokenRepository;
using ::auth::repository::RotationOutcome;
using ::auth::repository::Session;
using ::auth::repository::SessionGrant;
using ::auth::token::IssuedToken;
using ::auth::token::TokenClaims;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Invoke;
using ::testing::Not;
using ::testing::Return;

constexpr char kRefreshToken[] = "presented-refresh-token";
constexpr char kNewToken[] = "new.access.token";

RefreshToken Presented(int64_t user_id = 42) {
  RefreshToken token;
  token.token_hash = Sha256Hex(kRefreshToken);
  token.family_id = "family-1";
  token.session_jti = "jti-1";
  token.user_id = user_id;
  token.expires_at = absl::Now() + absl::Hours(1);
  return token;
}

// --- ValidateToken ---

TEST_F(AuthServiceTest, ValidateTokenAnswersForALiveSession) {
  const TokenClaims claims = ClaimsFor("42", "jti-1");
  EXPECT_CALL(verifier_, Verify(absl::string_view(kToken))).WillOnce(Return(claims));
  EXPECT_CALL(sessions_, FindActiveMany(ElementsAre("jti-1")))
      .WillOnce(Return(std::vector<Session>{SessionOf(kToken)}));
  auth::v1::ValidateTokenResponse response;
  grpc::Status status = Validate(kToken, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.user_id(), 42);
  EXPECT_EQ(response.session_id(), "jti-1");
  EXPECT_EQ(response.expires_at_unix_seconds(), absl::ToUnixSeconds(claims.expires_at));
}

TEST_F(AuthServiceTest, ValidateTokenRefusesEmptyOrOversizedTokensWithoutWork) {
  auth::v1::ValidateTokenResponse response;
  grpc::Status status = Validate("", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("token"));
  EXPECT_EQ(Validate(std::string(4097, 'a'), &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AuthServiceTest, ValidateTokenRefusesForgedOrExpiredTokensWithoutTheDatabase) {
  EXPECT_CALL(verifier_, Verify(_))
      .WillOnce(Return(absl::UnauthenticatedError("bad signature")))
      .WillOnce(Return(absl::UnauthenticatedError("token expired")));
  auth::v1::ValidateTokenResponse response;
  EXPECT_EQ(Validate(kToken, &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status status = Validate(kToken, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), Not(HasSubstr(kToken)));
}

TEST_F(AuthServiceTest, ValidateTokenRefusesSubjectsThatAreNotApiUserIds) {
  for (const char* subject : {"alice", "0", "-3", "2147483648"}) {
    EXPECT_CALL(verifier_, Verify(_)).WillOnce(Return(ClaimsFor(subject)));
    auth::v1::ValidateTokenResponse response;
    EXPECT_EQ(Validate(kToken, &response).error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << subject;
  }
}

TEST_F(AuthServiceTest, ValidateTokenRefusesRevokedOrMismatchedSessions) {
  EXPECT_CALL(verifier_, Verify(_)).WillRepeatedly(Return(ClaimsFor("42")));
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

TEST_F(AuthServiceTest, ValidateTokenReportsDatabaseOutageAsUnavailable) {
  EXPECT_CALL(verifier_, Verify(_)).WillOnce(Return(ClaimsFor("42")));
  EXPECT_CALL(sessions_, FindActiveMany(_)).WillOnce(Return(absl::UnavailableError("down")));
  auth::v1::ValidateTokenResponse response;
  EXPECT_EQ(Validate(kToken, &response).error_code(), grpc::StatusCode::UNAVAILABLE);
}

// Validations that queue while the database workers are busy share one query; each is
// answered from its own session (or its absence).
TEST_F(AuthServiceTest, QueuedValidationsShareOneQueryAndKeepTheirOwnVerdicts) {
  const std::vector<std::string> tokens = {"token.of.one", "token.of.two", "token.of.three"};
  ExpectTokensOfUsers(tokens);
  std::mutex mu;
  size_t largest_batch = 0;
  size_t lookups = 0;
  EXPECT_CALL(sessions_, FindActiveMany(_))
      .WillRepeatedly(Invoke([&](const std::vector<std::string>& jtis) {
        std::lock_guard<std::mutex> lock(mu);
        largest_batch = std::max(largest_batch, jtis.size());
        lookups += jtis.size();
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
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(lookups, 3u);
  EXPECT_GE(largest_batch, 2u);
}

// --- RefreshToken ---

TEST_F(AuthServiceTest, RefreshTokenRotatesIntoANewSessionOfTheSameFamily) {
  const TokenClaims claims = ClaimsFor("42", "jti-2");
  EXPECT_CALL(issuer_, Issue(absl::string_view("42")))
      .WillOnce(Return(IssuedToken{kNewToken, claims}));
  SessionGrant granted;
  EXPECT_CALL(refresh_tokens_,
              Rotate(Eq(Sha256Hex(kRefreshToken)), absl::ZeroDuration(), _))
      .WillOnce(Invoke([&](absl::string_view, absl::Duration,
                           const RefreshTokenRepository::GrantFn& grant)
                           -> absl::StatusOr<RotationOutcome> {
        absl::StatusOr<SessionGrant> next = grant(Presented());
        if (!next.ok()) return next.status();
        granted = *next;
        return RotationOutcome::kRotated;
      }));

  auth::v1::RefreshTokenResponse response;
  grpc::Status status = Refresh(kRefreshToken, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.user_id(), 42);
  EXPECT_EQ(response.jwt_token(), kNewToken);
  EXPECT_EQ(response.expires_at_unix_seconds(), absl::ToUnixSeconds(claims.expires_at));
  EXPECT_EQ(response.refresh_token().size(), 43u);
  EXPECT_NE(response.refresh_token(), kRefreshToken);

  EXPECT_EQ(granted.session.jti, "jti-2");
  EXPECT_EQ(granted.session.user_id, 42);
  EXPECT_EQ(granted.session.token_hash, Sha256Hex(kNewToken));
  EXPECT_THAT(granted.session.client_address, HasSubstr("127.0.0.1"));
  EXPECT_EQ(granted.refresh_token.token_hash, Sha256Hex(response.refresh_token()));
  EXPECT_EQ(granted.refresh_token.family_id, "family-1");
  EXPECT_EQ(granted.refresh_token.session_jti, "jti-2");
  EXPECT_GT(granted.refresh_token.expires_at, absl::Now() + absl::Hours(24 * 29));
}

TEST_F(AuthServiceTest, RefreshTokenUsesTheConfiguredLifetimeAndGrace) {
  StopServer();
  AuthServiceOptions options;
  options.refresh_token_lifetime = absl::Hours(2);
  options.refresh_reuse_grace = absl::Seconds(5);
  StartServer(16, options);
  EXPECT_CALL(issuer_, Issue(_)).WillOnce(Return(IssuedToken{kNewToken, ClaimsFor("42")}));
  SessionGrant granted;
  EXPECT_CALL(refresh_tokens_, Rotate(_, absl::Seconds(5), _))
      .WillOnce(Invoke([&](absl::string_view, absl::Duration,
                           const RefreshTokenRepository::GrantFn& grant)
                           -> absl::StatusOr<RotationOutcome> {
        granted = grant(Presented()).value();
        return RotationOutcome::kRotated;
      }));
  auth::v1::RefreshTokenResponse response;
  ASSERT_TRUE(Refresh(kRefreshToken, &response).ok());
  EXPECT_LE(granted.refresh_token.expires_at, absl::Now() + absl::Hours(2));
  EXPECT_GT(granted.refresh_token.expires_at, absl::Now() + absl::Minutes(119));
}

TEST_F(AuthServiceTest, RefreshTokenRefusesUnknownAndReusedTokensWithoutNewTokens) {
  EXPECT_CALL(refresh_tokens_, Rotate(_, _, _))
      .WillOnce(Return(absl::NotFoundError("refresh token not found")))
      .WillOnce(Return(RotationOutcome::kReuseDetected))
      .WillOnce(Return(RotationOutcome::kReusedInGrace));
  for (int i = 0; i < 3; ++i) {
    auth::v1::RefreshTokenResponse response;
    grpc::Status status = Refresh(kRefreshToken, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << i;
    EXPECT_THAT(status.error_message(), Not(HasSubstr(kRefreshToken)));
    EXPECT_TRUE(response.jwt_token().empty());
    EXPECT_TRUE(response.refresh_token().empty());
  }
}

TEST_F(AuthServiceTest, RefreshTokenRefusesEmptyOrOversizedTokensWithoutWork) {
  auth::v1::RefreshTokenResponse response;
  grpc::Status status = Refresh("", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("refresh_token"));
  EXPECT_EQ(Refresh(std::string(257, 'r'), &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AuthServiceTest, RefreshTokenFailsWhenNoSuccessorCanBeIssued) {
  EXPECT_CALL(issuer_, Issue(_)).WillOnce(Return(absl::InternalError("signing failed")));
  auto rotate = [](RefreshToken presented) {
    return [presented](absl::string_view, absl::Duration,
                       const RefreshTokenRepository::GrantFn& grant)
               -> absl::StatusOr<RotationOutcome> {
      absl::StatusOr<SessionGrant> next = grant(presented);
      if (!next.ok()) return next.status();  // as the repository: rolled back, passed on
      return RotationOutcome::kRotated;
    };
  };
  // Signing fails; then a stored user id the API cannot carry (the issuer is not asked).
  EXPECT_CALL(refresh_tokens_, Rotate(_, _, _))
      .WillOnce(Invoke(rotate(Presented())))
      .WillOnce(Invoke(rotate(Presented(int64_t{1} << 31))));
  auth::v1::RefreshTokenResponse response;
  EXPECT_EQ(Refresh(kRefreshToken, &response).error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(Refresh(kRefreshToken, &response).error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_TRUE(response.jwt_token().empty());
}

TEST_F(AuthServiceTest, RefreshTokenReportsDatabaseOutageAsUnavailable) {
  EXPECT_CALL(refresh_tokens_, Rotate(_, _, _)).WillOnce(Return(absl::UnavailableError("down")));
  auth::v1::RefreshTokenResponse response;
  EXPECT_EQ(Refresh(kRefreshToken, &response).error_code(), grpc::StatusCode::UNAVAILABLE);
}

// --- GetJwks ---

TEST_F(AuthServiceTest, GetJwksServesTheConfiguredDocument) {
  auth::v1::GetJwksResponse response;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->GetJwks(&context, auth::v1::GetJwksRequest(), &response).ok());
    EXPECT_EQ(response.jwks_json(), R"({"keys":[]})");
  }
  StopServer();
  AuthServiceOptions options;
  options.jwks_json = R"({"keys":[{"kty":"OKP","kid":"k1"}]})";
  StartServer(16, options);
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->GetJwks(&context, auth::v1::GetJwksRequest(), &response).ok());
  EXPECT_EQ(response.jwks_json(), options.jwks_json);
}

}  // namespace
}  // namespace auth::service::testing
