// Unit tests of AuthServiceImpl's RefreshToken (see testing/service_fixture.h).
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
#include "libs/crypto/sha256.h"
#include "services/auth/testing/service_fixture.h"

namespace auth::service_testing {
namespace {

using ::auth::repository::RefreshToken;
using ::auth::repository::RefreshTokenRepository;
using ::auth::repository::RotationOutcome;
using ::auth::repository::SessionGrant;
using ::auth::repository::TokenOwner;
using ::auth::token::IssuedToken;
using ::auth::token::TokenClaims;
using ::testing::_;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Invoke;
using ::testing::Not;
using ::testing::Return;
using ::testing::UnorderedElementsAre;

constexpr char kRefreshToken[] = "presented-refresh-token";
constexpr char kNewToken[] = "new.access.token";

// The presented token, of a family that `family_age` ago began with a login.
RefreshToken Presented(int64_t user_id = 42, absl::Duration family_age = absl::Hours(1)) {
  RefreshToken token;
  token.token_hash = crypto::Sha256Hex(kRefreshToken);
  token.family_id = "family-1";
  token.family_started_at = absl::Now() - family_age;
  token.session_jti = "jti-1";
  token.user_id = user_id;
  token.expires_at = absl::Now() + absl::Hours(1);
  return token;
}

// RefreshToken reaches the refresh tokens (Rotate) and the issuer: empty or oversized tokens are
// not looked up, and an unknown or reused token gets no new token.
class RefreshTokenTest : public ServiceTest {
 protected:
  RefreshTokenTest() : ServiceTest({Collaborator::kRefreshTokens, Collaborator::kIssuer}) {}
};

// --- RefreshToken ---

TEST_F(RefreshTokenTest, RefreshTokenRotatesIntoANewSessionOfTheSameFamily) {
  const TokenClaims claims = ClaimsFor("42", "jti-2");
  EXPECT_CALL(issuer_, Issue(absl::string_view("42"), _))
      .WillOnce(Return(IssuedToken{kNewToken, claims}));
  SessionGrant granted;
  EXPECT_CALL(refresh_tokens_,
              Rotate(Eq(crypto::Sha256Hex(kRefreshToken)), absl::ZeroDuration(), _, _))
      .WillOnce(Invoke([&](absl::string_view, absl::Duration,
                           const RefreshTokenRepository::GrantFn& grant,
                           TokenOwner*) -> absl::StatusOr<RotationOutcome> {
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
  EXPECT_EQ(granted.session.token_hash, TokenHash(kNewToken));
  EXPECT_THAT(granted.session.client_address, HasSubstr("127.0.0.1"));
  EXPECT_EQ(granted.refresh_token.token_hash, crypto::Sha256Hex(response.refresh_token()));
  EXPECT_EQ(granted.refresh_token.family_id, "family-1");
  EXPECT_EQ(granted.refresh_token.session_jti, "jti-2");
  EXPECT_GT(granted.refresh_token.expires_at, absl::Now() + absl::Hours(24 * 29));
}

// A browser's refresh token comes in its cookie (the HTTP front forwards `cookie`), and the new
// session's cookies go back as set-cookie metadata, the refresh token's scoped to the service.
TEST_F(RefreshTokenTest, RefreshTokenReadsTheCookieAndSetsTheNewSessionsCookies) {
  EXPECT_CALL(issuer_, Issue(absl::string_view("42"), _))
      .WillOnce(Return(IssuedToken{kNewToken, ClaimsFor("42", "jti-2")}));
  EXPECT_CALL(refresh_tokens_, Rotate(Eq(crypto::Sha256Hex(kRefreshToken)), _, _, _))
      .WillOnce(Invoke([&](absl::string_view, absl::Duration,
                           const RefreshTokenRepository::GrantFn& grant,
                           TokenOwner*) -> absl::StatusOr<RotationOutcome> {
        absl::StatusOr<SessionGrant> next = grant(Presented());
        if (!next.ok()) return next.status();
        return RotationOutcome::kRotated;
      }));
  grpc::ClientContext context;
  context.AddMetadata("cookie", std::string("user_id=42; refresh-token=") + kRefreshToken);
  // The HTTP front's browser mark, sent by a network client: believed only in-process, so the
  // tokens stay in the body.
  context.AddMetadata("x-auth-browser-call", "1");
  auth::v1::RefreshTokenResponse response;
  const grpc::Status status =
      stub_->RefreshToken(&context, auth::v1::RefreshTokenRequest(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.jwt_token(), kNewToken);
  EXPECT_FALSE(response.refresh_token().empty());
  std::vector<std::string> cookies;
  auto range = context.GetServerInitialMetadata().equal_range("set-cookie");
  for (auto it = range.first; it != range.second; ++it) {
    cookies.emplace_back(it->second.data(), it->second.size());
  }
  EXPECT_THAT(cookies,
              UnorderedElementsAre(HasSubstr("user_id=42; Path=/;"),
                                   HasSubstr(std::string("jwt-token=") + kNewToken + "; Path=/;"),
                                   HasSubstr("refresh-token=" + response.refresh_token() +
                                             "; Path=/auth.v1.AuthService/;")));
}

TEST_F(RefreshTokenTest, RefreshTokenWithNeitherBodyNorCookieIsInvalid) {
  grpc::ClientContext context;
  context.AddMetadata("cookie", "user_id=42; refresh-token=a; refresh-token=b");
  auth::v1::RefreshTokenResponse response;
  EXPECT_EQ(stub_->RefreshToken(&context, auth::v1::RefreshTokenRequest(), &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(RefreshTokenTest, RefreshTokenUsesTheConfiguredLifetimeAndGrace) {
  StopServer();
  service::AuthServiceOptions options;
  options.refresh_token_lifetime = absl::Hours(2);
  options.refresh_reuse_grace = absl::Seconds(5);
  StartServer(16, options);
  EXPECT_CALL(issuer_, Issue(_, _)).WillOnce(Return(IssuedToken{kNewToken, ClaimsFor("42")}));
  SessionGrant granted;
  EXPECT_CALL(refresh_tokens_, Rotate(_, absl::Seconds(5), _, _))
      .WillOnce(Invoke([&](absl::string_view, absl::Duration,
                           const RefreshTokenRepository::GrantFn& grant,
                           TokenOwner*) -> absl::StatusOr<RotationOutcome> {
        granted = grant(Presented()).value();
        return RotationOutcome::kRotated;
      }));
  auth::v1::RefreshTokenResponse response;
  ASSERT_TRUE(Refresh(kRefreshToken, &response).ok());
  EXPECT_LE(granted.refresh_token.expires_at, absl::Now() + absl::Hours(2));
  EXPECT_GT(granted.refresh_token.expires_at, absl::Now() + absl::Minutes(119));
}

// A Rotate() that asks the service's grant for the successor of `presented`, as the
// repository does (an error from the grant rolls back and is passed on), and records it.
auto RotateAndRecord(RefreshToken presented, SessionGrant* granted) {
  return [presented, granted](absl::string_view, absl::Duration,
                              const RefreshTokenRepository::GrantFn& grant,
                              TokenOwner*) -> absl::StatusOr<RotationOutcome> {
    absl::StatusOr<SessionGrant> next = grant(presented);
    if (!next.ok()) return next.status();
    *granted = *next;
    return RotationOutcome::kRotated;
  };
}

// However often a family rotates, its tokens never outlive the login's time plus
// --refresh_family_lifetime, and the successor keeps the family's start.
TEST_F(RefreshTokenTest, RefreshTokenSuccessorExpiresNoLaterThanItsFamily) {
  StopServer();
  service::AuthServiceOptions options;
  options.refresh_family_lifetime = absl::Hours(24 * 10);
  StartServer(16, options);
  const RefreshToken presented = Presented(42, /*family_age=*/absl::Hours(24 * 9));
  EXPECT_CALL(issuer_, Issue(_, _)).WillOnce(Return(IssuedToken{kNewToken, ClaimsFor("42")}));
  SessionGrant granted;
  EXPECT_CALL(refresh_tokens_, Rotate(_, _, _, _))
      .WillOnce(Invoke(RotateAndRecord(presented, &granted)));
  auth::v1::RefreshTokenResponse response;
  ASSERT_TRUE(Refresh(kRefreshToken, &response).ok());
  EXPECT_EQ(granted.refresh_token.family_started_at, presented.family_started_at);
  // The family's end (one day from now), not a fresh 30 days.
  EXPECT_EQ(granted.refresh_token.expires_at, presented.family_started_at + absl::Hours(24 * 10));
}

TEST_F(RefreshTokenTest, RefreshTokenOfAnEndedFamilyIsUnauthenticatedWithoutNewTokens) {
  // Default lifetime: 30 days (it was 90). The issuer must not be asked (StrictMock).
  SessionGrant granted;
  EXPECT_CALL(refresh_tokens_, Rotate(_, _, _, _))
      .WillOnce(Invoke(RotateAndRecord(Presented(42, absl::Hours(24 * 30 + 1)), &granted)));
  auth::v1::RefreshTokenResponse response;
  const grpc::Status status = Refresh(kRefreshToken, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("family ended"));
  EXPECT_TRUE(response.jwt_token().empty());
  EXPECT_TRUE(granted.session.jti.empty());
}

TEST_F(RefreshTokenTest, RefreshTokenRefusesUnknownAndReusedTokensWithoutNewTokens) {
  EXPECT_CALL(refresh_tokens_, Rotate(_, _, _, _))
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

TEST_F(RefreshTokenTest, RefreshTokenRefusesEmptyOrOversizedTokensWithoutWork) {
  auth::v1::RefreshTokenResponse response;
  grpc::Status status = Refresh("", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("refresh_token"));
  EXPECT_EQ(Refresh(std::string(257, 'r'), &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(RefreshTokenTest, RefreshTokenFailsWhenNoSuccessorCanBeIssued) {
  EXPECT_CALL(issuer_, Issue(_, _)).WillOnce(Return(absl::InternalError("signing failed")));
  auto rotate = [](RefreshToken presented) {
    return
        [presented](absl::string_view, absl::Duration, const RefreshTokenRepository::GrantFn& grant,
                    TokenOwner*) -> absl::StatusOr<RotationOutcome> {
          absl::StatusOr<SessionGrant> next = grant(presented);
          if (!next.ok()) return next.status();  // as the repository: rolled back, passed on
          return RotationOutcome::kRotated;
        };
  };
  // Signing fails; then a stored user id the API cannot carry (the issuer is not asked).
  EXPECT_CALL(refresh_tokens_, Rotate(_, _, _, _))
      .WillOnce(Invoke(rotate(Presented())))
      .WillOnce(Invoke(rotate(Presented(int64_t{1} << 31))));
  auth::v1::RefreshTokenResponse response;
  EXPECT_EQ(Refresh(kRefreshToken, &response).error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(Refresh(kRefreshToken, &response).error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_TRUE(response.jwt_token().empty());
}

TEST_F(RefreshTokenTest, RefreshTokenReportsDatabaseOutageAsUnavailable) {
  EXPECT_CALL(refresh_tokens_, Rotate(_, _, _, _)).WillOnce(Return(absl::UnavailableError("down")));
  auth::v1::RefreshTokenResponse response;
  EXPECT_EQ(Refresh(kRefreshToken, &response).error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace auth::service_testing
