// Unit tests of AuthServiceImpl's Logout and its batches (see testing/service_fixture.h).
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
#include "libs/repository/attempt_limiter.h"
#include "services/auth/testing/service_fixture.h"

namespace auth::service_testing {
namespace {

using ::auth::repository::LogoutResults;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Invoke;
using ::testing::Not;
using ::testing::Return;

// Logout reaches the verifier and the refresh tokens (LogoutMany): a bad user id or a missing
// token is not verified, and a refused token revokes nothing.
class LogoutTest : public ServiceTest {
 protected:
  LogoutTest() : ServiceTest({Collaborator::kVerifier, Collaborator::kRefreshTokens}) {}
};

// --- Logout ---

TEST_F(LogoutTest, LogoutWithBearerTokenRevokesAllSessions) {
  EXPECT_CALL(verifier_, VerifyPrehashed(absl::string_view(kToken), IsDigestOf(kToken)))
      .WillOnce(Return(ClaimsFor("42")));
  EXPECT_CALL(refresh_tokens_, LogoutMany(ElementsAre(LogoutRequestIs("jti-1", 42, kToken, false))))
      .WillOnce(Return(LogoutResults{{true}, 3}));
  auth::v1::LogoutResponse response;
  grpc::Status status = Logout(42, "authorization", std::string("Bearer ") + kToken, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.message(), "User logout successfully");
  EXPECT_EQ(response.status(), 200);
}

TEST_F(LogoutTest, LogoutExpiresTheSessionCookies) {
  EXPECT_CALL(verifier_, VerifyPrehashed(absl::string_view(kToken), IsDigestOf(kToken)))
      .WillOnce(Return(ClaimsFor("42")));
  EXPECT_CALL(refresh_tokens_, LogoutMany(_)).WillOnce(Return(LogoutResults{{true}, 1}));
  grpc::ClientContext context;
  context.AddMetadata("authorization", std::string("Bearer ") + kToken);
  auth::v1::LogoutRequest request;
  request.set_user_id(42);
  auth::v1::LogoutResponse response;
  ASSERT_TRUE(stub_->Logout(&context, request, &response).ok());
  std::vector<std::string> cookies;
  auto range = context.GetServerInitialMetadata().equal_range("set-cookie");
  for (auto it = range.first; it != range.second; ++it) {
    cookies.emplace_back(it->second.data(), it->second.size());
  }
  EXPECT_THAT(cookies, ElementsAre(HasSubstr("user_id=; Path=/; Max-Age=0;"),
                                   HasSubstr("jwt-token=; Path=/; Max-Age=0;"),
                                   HasSubstr("refresh-token=; Path=/auth.v1.AuthService/;"
                                             " Max-Age=0;")));
}

TEST_F(LogoutTest, LogoutAcceptsTheTokenCookie) {
  EXPECT_CALL(verifier_, VerifyPrehashed(absl::string_view(kToken), IsDigestOf(kToken)))
      .WillOnce(Return(ClaimsFor("42")));
  EXPECT_CALL(refresh_tokens_, LogoutMany(ElementsAre(LogoutRequestIs("jti-1", 42, kToken, false))))
      .WillOnce(Return(LogoutResults{{true}, 1}));
  auth::v1::LogoutResponse response;
  EXPECT_TRUE(Logout(42, "cookie", std::string("user_id=42; jwt-token=") + kToken, &response).ok());
}

TEST_F(LogoutTest, LogoutRejectsBadUserIdAndMissingOrInvalidTokens) {
  auth::v1::LogoutResponse response;
  EXPECT_EQ(Logout(0, "", "", &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Logout(-5, "", "", &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Logout(42, "", "", &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Logout(42, "authorization", "Basic abc", &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  EXPECT_CALL(verifier_, VerifyPrehashed(_, _))
      .WillOnce(Return(absl::UnauthenticatedError("expired")));
  EXPECT_EQ(Logout(42, "authorization", std::string("Bearer ") + kToken, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(LogoutTest, LogoutWithAnotherUsersTokenIsPermissionDenied) {
  EXPECT_CALL(verifier_, VerifyPrehashed(_, _)).WillOnce(Return(ClaimsFor("7")));
  auth::v1::LogoutResponse response;
  EXPECT_EQ(Logout(42, "authorization", std::string("Bearer ") + kToken, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// The repository checks the presented session (active, this user's, this token's digest) in
// the logout's transaction; a session that fails the check is UNAUTHENTICATED.
TEST_F(LogoutTest, LogoutOfASessionThatIsNotActiveIsUnauthenticated) {
  EXPECT_CALL(verifier_, VerifyPrehashed(_, _)).WillOnce(Return(ClaimsFor("42")));
  EXPECT_CALL(refresh_tokens_, LogoutMany(ElementsAre(LogoutRequestIs("jti-1", 42, kToken, false))))
      .WillOnce(Return(LogoutResults{{false}, 0}));
  auth::v1::LogoutResponse response;
  grpc::Status status = Logout(42, "authorization", std::string("Bearer ") + kToken, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), Not(HasSubstr(kToken)));
  EXPECT_EQ(response.status(), 0);
}

TEST_F(LogoutTest, LogoutReportsDatabaseOutageAsUnavailable) {
  EXPECT_CALL(verifier_, VerifyPrehashed(_, _)).WillOnce(Return(ClaimsFor("42")));
  EXPECT_CALL(refresh_tokens_, LogoutMany(_)).WillOnce(Return(absl::UnavailableError("down")));
  auth::v1::LogoutResponse response;
  EXPECT_EQ(Logout(42, "authorization", std::string("Bearer ") + kToken, &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(LogoutTest, LogoutOfTheCurrentSessionOnlyAsksForThatSessionOnly) {
  EXPECT_CALL(verifier_, VerifyPrehashed(absl::string_view(kToken), IsDigestOf(kToken)))
      .WillOnce(Return(ClaimsFor("42")));
  EXPECT_CALL(refresh_tokens_, LogoutMany(ElementsAre(LogoutRequestIs("jti-1", 42, kToken, true))))
      .WillOnce(Return(LogoutResults{{true}, 1}));
  auth::v1::LogoutResponse response;
  grpc::Status status = Logout(42, "authorization", std::string("Bearer ") + kToken, &response,
                               /*current_session_only=*/true);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.message(), "User logout successfully");
}

TEST_F(LogoutTest, LogoutReportsAFailedRevocationWithoutItsDetails) {
  EXPECT_CALL(verifier_, VerifyPrehashed(_, _)).WillRepeatedly(Return(ClaimsFor("42")));
  EXPECT_CALL(refresh_tokens_, LogoutMany(_))
      .WillOnce(Return(absl::InternalError("Deadlock found")))
      .WillOnce(Return(LogoutResults{{true, true}, 1}));  // answers a different batch
  auth::v1::LogoutResponse response;
  const std::string bearer = std::string("Bearer ") + kToken;
  grpc::Status status = Logout(42, "authorization", bearer, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(), Not(HasSubstr("Deadlock")));
  EXPECT_EQ(Logout(42, "authorization", bearer, &response).error_code(),
            grpc::StatusCode::INTERNAL);
}

// Logouts that queue while the database workers are busy share one LogoutMany call, and
// each gets its own verdict.
TEST_F(LogoutTest, QueuedLogoutsShareOneTransactionAndKeepTheirOwnVerdicts) {
  const std::vector<std::string> tokens = {"token.of.one", "token.of.two", "token.of.three"};
  ExpectTokensOfUsers(tokens);
  BatchSizes batches;
  EXPECT_CALL(refresh_tokens_, LogoutMany(_))
      .WillRepeatedly(Invoke([&](const std::vector<repository::LogoutRequest>& requests) {
        batches.Record(requests.size());
        LogoutResults results;
        // User 2's session is no longer active; the others log out.
        for (const repository::LogoutRequest& request : requests) {
          results.logged_out.push_back(request.user_id != 2);
          EXPECT_EQ(request.token_hash, TokenHash(tokens[request.user_id - 1]));
        }
        return results;
      }));
  std::vector<grpc::Status> statuses(3);
  CallConcurrentlyBehindBusyDatabase(3, [&](int i) {
    auth::v1::LogoutResponse response;
    statuses[i] = Logout(i + 1, "authorization", "Bearer " + tokens[i], &response);
  });
  EXPECT_TRUE(statuses[0].ok()) << statuses[0].error_message();
  EXPECT_EQ(statuses[1].error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(statuses[2].ok()) << statuses[2].error_message();
  EXPECT_EQ(batches.total(), 3u);
  EXPECT_GE(batches.largest(), 2u);
}

// --- Logout with the refresh-token cookie (an idle browser: its access token has expired) ---

constexpr char kRefreshToken[] = "refresh-token-of-an-idle-browser";

// The digest the repository receives (kept alive for the matchers, which hold a string_view).
const std::string& RefreshTokenHash() {
  static const std::string* const hash = new std::string(TokenHash(kRefreshToken));
  return *hash;
}

// A Logout call with `cookie` metadata; `set_cookies` receives every set-cookie value.
grpc::Status LogoutWithCookie(auth::v1::AuthService::Stub& stub, int32_t user_id,
                              const std::string& cookie, bool current_session_only,
                              std::vector<std::string>* set_cookies) {
  grpc::ClientContext context;
  if (!cookie.empty()) context.AddMetadata("cookie", cookie);
  auth::v1::LogoutRequest request;
  request.set_user_id(user_id);
  request.set_current_session_only(current_session_only);
  auth::v1::LogoutResponse response;
  grpc::Status status = stub.Logout(&context, request, &response);
  for (const auto* metadata :
       {&context.GetServerInitialMetadata(), &context.GetServerTrailingMetadata()}) {
    auto range = metadata->equal_range("set-cookie");
    for (auto it = range.first; it != range.second; ++it) {
      set_cookies->emplace_back(it->second.data(), it->second.size());
    }
  }
  if (status.ok()) {
    EXPECT_EQ(response.message(), "User logout successfully");
  }
  return status;
}

const auto kEveryCookieExpired = ElementsAre(
    HasSubstr("user_id=; Path=/; Max-Age=0;"), HasSubstr("jwt-token=; Path=/; Max-Age=0;"),
    HasSubstr("refresh-token=; Path=/auth.v1.AuthService/; Max-Age=0;"));

TEST_F(LogoutTest, LogoutWithAnExpiredAccessTokenSignsOutWithTheRefreshTokenCookie) {
  EXPECT_CALL(verifier_, VerifyPrehashed(absl::string_view(kToken), IsDigestOf(kToken)))
      .WillOnce(Return(absl::UnauthenticatedError("token expired")));
  EXPECT_CALL(refresh_tokens_,
              LogoutWithRefreshToken(absl::string_view(RefreshTokenHash()), 42, false))
      .WillOnce(Return(int64_t{2}));
  std::vector<std::string> set_cookies;
  grpc::Status status = LogoutWithCookie(
      *stub_, 42, std::string("jwt-token=") + kToken + "; refresh-token=" + kRefreshToken,
      /*current_session_only=*/false, &set_cookies);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(set_cookies, kEveryCookieExpired);
}

// The access-token cookie is gone once the token expired: the refresh token alone signs out,
// over gRPC as over HTTP (`cookie` metadata), and current_session_only reaches the repository.
TEST_F(LogoutTest, LogoutWithOnlyTheRefreshTokenCookieEndsItsFamily) {
  EXPECT_CALL(refresh_tokens_,
              LogoutWithRefreshToken(absl::string_view(RefreshTokenHash()), 42, true))
      .WillOnce(Return(int64_t{1}));
  std::vector<std::string> set_cookies;
  grpc::Status status = LogoutWithCookie(*stub_, 42, std::string("refresh-token=") + kRefreshToken,
                                         /*current_session_only=*/true, &set_cookies);
  ASSERT_TRUE(status.ok()) << status.error_message();
}

TEST_F(LogoutTest, LogoutWithAnotherUsersRefreshTokenIsPermissionDeniedAndStillExpiresCookies) {
  EXPECT_CALL(refresh_tokens_,
              LogoutWithRefreshToken(absl::string_view(RefreshTokenHash()), 42, false))
      .WillOnce(Return(absl::PermissionDeniedError("the refresh token belongs to another user")));
  std::vector<std::string> set_cookies;
  grpc::Status status = LogoutWithCookie(*stub_, 42, std::string("refresh-token=") + kRefreshToken,
                                         false, &set_cookies);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), Not(HasSubstr(kRefreshToken)));
  EXPECT_THAT(set_cookies, kEveryCookieExpired);
}

TEST_F(LogoutTest, LogoutWithAnUnknownRefreshTokenIsUnauthenticatedAndStillExpiresCookies) {
  EXPECT_CALL(refresh_tokens_, LogoutWithRefreshToken(_, 42, false))
      .WillOnce(Return(absl::NotFoundError("refresh token not found")))
      .WillOnce(Return(absl::UnavailableError("down")));
  std::vector<std::string> set_cookies;
  const std::string cookie = std::string("refresh-token=") + kRefreshToken;
  EXPECT_EQ(LogoutWithCookie(*stub_, 42, cookie, false, &set_cookies).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(set_cookies, kEveryCookieExpired);
  set_cookies.clear();
  EXPECT_EQ(LogoutWithCookie(*stub_, 42, cookie, false, &set_cookies).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(set_cookies, kEveryCookieExpired);
}

// Every refusal expires the cookies too: no token, a bad user id, an oversized refresh token
// (refused without a database read), another user's valid access token (which is not passed
// over for the refresh token).
TEST_F(LogoutTest, EveryRefusedLogoutExpiresTheCookies) {
  std::vector<std::string> set_cookies;
  EXPECT_EQ(LogoutWithCookie(*stub_, 42, "", false, &set_cookies).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(set_cookies, kEveryCookieExpired);
  set_cookies.clear();
  EXPECT_EQ(LogoutWithCookie(*stub_, 0, "", false, &set_cookies).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(set_cookies, kEveryCookieExpired);
  set_cookies.clear();
  EXPECT_EQ(
      LogoutWithCookie(*stub_, 42, "refresh-token=" + std::string(300, 'x'), false, &set_cookies)
          .error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(set_cookies, kEveryCookieExpired);
  set_cookies.clear();
  EXPECT_CALL(verifier_, VerifyPrehashed(_, _)).WillOnce(Return(ClaimsFor("7")));
  EXPECT_EQ(LogoutWithCookie(
                *stub_, 42, std::string("jwt-token=") + kToken + "; refresh-token=" + kRefreshToken,
                false, &set_cookies)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(set_cookies, kEveryCookieExpired);
}

// With the abuse limits on: an unknown refresh token presented to Logout counts as a failed
// refresh of the address, and once the address is past that limit its refresh-token logouts are
// refused from memory, before any database work (the StrictMock repository sees one call).
class LogoutLimitTest : public LogoutTest {
 protected:
  void SetUp() override {
    limit_attempts_ = true;
    LogoutTest::SetUp();
  }
};

TEST_F(LogoutLimitTest, UnknownRefreshTokensCountAsFailedRefreshesOfTheAddress) {
  EXPECT_CALL(refresh_tokens_, LogoutWithRefreshToken(_, 42, false))
      .WillOnce(Return(absl::NotFoundError("refresh token not found")));
  EXPECT_CALL(attempts_, Admit(ElementsAre(::testing::Field(&repository::AttemptLimit::key,
                                                            ::testing::StartsWith("refresh-"))),
                               _))
      .WillOnce(Return(repository::Admission{false, absl::Seconds(60)}));
  std::vector<std::string> set_cookies;
  const std::string cookie = std::string("refresh-token=") + kRefreshToken;
  EXPECT_EQ(LogoutWithCookie(*stub_, 42, cookie, false, &set_cookies).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  set_cookies.clear();
  EXPECT_EQ(LogoutWithCookie(*stub_, 42, cookie, false, &set_cookies).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(set_cookies, kEveryCookieExpired);
}

}  // namespace
}  // namespace auth::service_testing
