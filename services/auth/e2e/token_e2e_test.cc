// End-to-end tests of ValidateToken, RefreshToken, GetJwks and Logout.current_session_only:
// the real auth_server binary against a real, private MariaDB (see e2e_fixture.h).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/token/jwt.h"
#include "libs/token/key.h"
#include "libs/token/key_set.h"
#include "nlohmann/json.hpp"
#include "services/auth/e2e/e2e_fixture.h"

namespace auth::service_testing {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

constexpr grpc::StatusCode kUnauthenticated = grpc::StatusCode::UNAUTHENTICATED;

class TokenE2eTest : public AuthServerE2eTest {
 protected:
  // Registers `name` and logs in by email; the test fails if either fails.
  auth::v1::LoginResponse RegisterAndLogin(const std::string& name) {
    EXPECT_TRUE(Register(name, name + "@example.com", "").ok()) << name;
    return LoginAgain(name);
  }

  auth::v1::LoginResponse LoginAgain(const std::string& name) {
    LoginResult login = Login(name + "@example.com", "");
    EXPECT_TRUE(login.status.ok()) << login.status.error_message();
    return login.response;
  }

  // Refreshes `refresh_token`; the test fails if that fails.
  auth::v1::RefreshTokenResponse MustRefresh(const std::string& refresh_token) {
    auth::v1::RefreshTokenResponse response;
    grpc::Status status = Refresh(refresh_token, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }
};

TEST_F(TokenE2eTest, ValidateTokenBeforeAndAfterLogout) {
  const auth::v1::LoginResponse login = RegisterAndLogin("grace");
  EXPECT_THAT(login.refresh_token(), SizeIs(43));
  EXPECT_GT(login.expires_at_unix_seconds(), absl::ToUnixSeconds(absl::Now()));

  auth::v1::ValidateTokenResponse valid;
  grpc::Status status = Validate(login.jwt_token(), &valid);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(valid.user_id(), login.user_id());
  EXPECT_FALSE(valid.session_id().empty());
  EXPECT_EQ(valid.expires_at_unix_seconds(), login.expires_at_unix_seconds());
  EXPECT_THAT(valid.amr(), ElementsAre("pwd"));  // RFC 8176: a password login

  EXPECT_EQ(Validate("").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Validate("not.a.jwt").error_code(), kUnauthenticated);
  std::string forged = login.jwt_token();
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(Validate(forged).error_code(), kUnauthenticated);

  ASSERT_TRUE(Logout(login.user_id(), login.jwt_token()).ok());
  EXPECT_EQ(Validate(login.jwt_token()).error_code(), kUnauthenticated);
  // Logout took the refresh token with it.
  EXPECT_EQ(Refresh(login.refresh_token()).error_code(), kUnauthenticated);
}

TEST_F(TokenE2eTest, RefreshRotatesBothTokens) {
  const auth::v1::LoginResponse login = RegisterAndLogin("heidi");
  const auth::v1::RefreshTokenResponse second = MustRefresh(login.refresh_token());
  EXPECT_EQ(second.user_id(), login.user_id());
  EXPECT_NE(second.jwt_token(), login.jwt_token());
  EXPECT_NE(second.refresh_token(), login.refresh_token());
  EXPECT_GT(second.expires_at_unix_seconds(), absl::ToUnixSeconds(absl::Now()));

  // The old access token stopped working; the new one works.
  EXPECT_EQ(Validate(login.jwt_token()).error_code(), kUnauthenticated);
  auth::v1::ValidateTokenResponse valid;
  ASSERT_TRUE(Validate(second.jwt_token(), &valid).ok());
  EXPECT_EQ(valid.user_id(), login.user_id());
  // The login's amr (a password) stays with its family.
  EXPECT_THAT(valid.amr(), ElementsAre("pwd"));
  EXPECT_EQ(Logout(login.user_id(), login.jwt_token(), false, true).error_code(), kUnauthenticated);

  // The new refresh token rotates again.
  const auth::v1::RefreshTokenResponse third = MustRefresh(second.refresh_token());
  EXPECT_TRUE(Validate(third.jwt_token()).ok());
  EXPECT_EQ(Validate(second.jwt_token()).error_code(), kUnauthenticated);

  // The old refresh token is refused.
  auth::v1::RefreshTokenResponse refused;
  EXPECT_EQ(Refresh(login.refresh_token(), &refused).error_code(), kUnauthenticated);
  EXPECT_TRUE(refused.jwt_token().empty());
  EXPECT_EQ(Refresh("never-issued").error_code(), kUnauthenticated);
  EXPECT_EQ(Refresh("").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(TokenE2eTest, ReuseOfAnOldRefreshTokenRevokesTheFamily) {
  const auth::v1::LoginResponse login = RegisterAndLogin("ivan");
  const auth::v1::LoginResponse other_device = LoginAgain("ivan");
  const auth::v1::RefreshTokenResponse second = MustRefresh(login.refresh_token());
  const auth::v1::RefreshTokenResponse newest = MustRefresh(second.refresh_token());
  ASSERT_TRUE(Validate(newest.jwt_token()).ok());

  // The first refresh token, already exchanged, comes back: theft.
  EXPECT_EQ(Refresh(login.refresh_token()).error_code(), kUnauthenticated);
  // The newest tokens of the family stop working...
  EXPECT_EQ(Validate(newest.jwt_token()).error_code(), kUnauthenticated);
  EXPECT_EQ(Refresh(newest.refresh_token()).error_code(), kUnauthenticated);
  // ...the user's other login does not.
  EXPECT_TRUE(Validate(other_device.jwt_token()).ok());
  EXPECT_TRUE(Refresh(other_device.refresh_token()).ok());
}

TEST_F(TokenE2eTest, ReuseWithinTheGraceIsRefusedWithoutRevoking) {
  RestartServer({"--refresh_reuse_grace=1h"});
  const auth::v1::LoginResponse login = RegisterAndLogin("judy");
  const auth::v1::RefreshTokenResponse second = MustRefresh(login.refresh_token());
  auth::v1::RefreshTokenResponse retry;
  EXPECT_EQ(Refresh(login.refresh_token(), &retry).error_code(), kUnauthenticated);
  EXPECT_TRUE(retry.refresh_token().empty());  // no tokens are issued twice
  EXPECT_TRUE(Validate(second.jwt_token()).ok());
  EXPECT_TRUE(Refresh(second.refresh_token()).ok());
}

TEST_F(TokenE2eTest, ReuseWithinTheGraceRevokesOnceTheSuccessorWasUsed) {
  RestartServer({"--refresh_reuse_grace=1h"});
  const auth::v1::LoginResponse login = RegisterAndLogin("judith");
  const auth::v1::RefreshTokenResponse second = MustRefresh(login.refresh_token());
  const auth::v1::RefreshTokenResponse third = MustRefresh(second.refresh_token());
  EXPECT_EQ(Refresh(login.refresh_token()).error_code(), kUnauthenticated);
  // Not a lost response: the successor was used, so the family is gone.
  EXPECT_EQ(Validate(third.jwt_token()).error_code(), kUnauthenticated);
  EXPECT_EQ(Refresh(third.refresh_token()).error_code(), kUnauthenticated);
}

TEST_F(TokenE2eTest, AFamilyEndsItsLifetimeAfterTheLogin) {
  RestartServer({"--refresh_family_lifetime=3s"});
  const auth::v1::LoginResponse login = RegisterAndLogin("ken");
  const auth::v1::RefreshTokenResponse second = MustRefresh(login.refresh_token());
  absl::SleepFor(absl::Seconds(3));
  auth::v1::RefreshTokenResponse late;
  EXPECT_EQ(Refresh(second.refresh_token(), &late).error_code(), kUnauthenticated);
  EXPECT_TRUE(late.refresh_token().empty());
}

TEST_F(TokenE2eTest, LogoutOfTheCurrentSessionOnly) {
  const auth::v1::LoginResponse laptop = RegisterAndLogin("karl");
  const auth::v1::LoginResponse phone = LoginAgain("karl");
  ASSERT_TRUE(
      Logout(laptop.user_id(), laptop.jwt_token(), false, /*current_session_only=*/true).ok());
  EXPECT_EQ(Validate(laptop.jwt_token()).error_code(), kUnauthenticated);
  EXPECT_EQ(Refresh(laptop.refresh_token()).error_code(), kUnauthenticated);
  EXPECT_TRUE(Validate(phone.jwt_token()).ok());
  const auth::v1::RefreshTokenResponse phone_next = MustRefresh(phone.refresh_token());
  EXPECT_TRUE(Validate(phone_next.jwt_token()).ok());
}

TEST_F(TokenE2eTest, JwksVerifiesTheIssuedTokens) {
  const auth::v1::LoginResponse login = RegisterAndLogin("leo");
  auth::v1::GetJwksResponse jwks;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->GetJwks(&context, auth::v1::GetJwksRequest(), &jwks).ok());

  const nlohmann::json document = nlohmann::json::parse(jwks.jwks_json());
  ASSERT_TRUE(document.contains("keys"));
  ASSERT_EQ(document["keys"].size(), 1u);
  const nlohmann::json& jwk = document["keys"][0];
  EXPECT_EQ(jwk.value("kty", ""), "OKP");
  EXPECT_EQ(jwk.value("crv", ""), "Ed25519");
  EXPECT_EQ(jwk.value("kid", ""), "primary");
  EXPECT_FALSE(jwk.contains("d")) << "the private key must not be published";
  std::string x;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(jwk.value("x", ""), &x));

  // A verifier that knows nothing but the published key accepts the server's token.
  absl::StatusOr<token::Key> key = token::Key::Ed25519FromPublicBytes(jwk.value("kid", ""), x);
  ASSERT_TRUE(key.ok()) << key.status();
  absl::StatusOr<token::KeySet> keys = token::KeySet::Create(std::nullopt, {*key});
  ASSERT_TRUE(keys.ok()) << keys.status();
  token::JwtVerifierOptions options;
  options.issuer = "auth-service";
  options.audience = "auth-service-clients";
  token::JwtVerifier verifier(*keys, options);
  absl::StatusOr<token::TokenClaims> claims = verifier.Verify(login.jwt_token());
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, absl::StrCat(login.user_id()));
}

}  // namespace
}  // namespace auth::service_testing
