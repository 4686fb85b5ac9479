// Unit tests of AuthServiceImpl's Login (see testing/service_fixture.h), and of GetJwks.
#include <cstdint>
#include <memory>
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
using ::auth::repository::Session;
using ::auth::repository::SessionGrant;
using ::auth::token::IssuedToken;
using ::auth::token::TokenClaims;
using ::testing::_;
using ::testing::AllOf;
using ::testing::DoAll;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Return;
using ::testing::SaveArg;
using ::testing::UnorderedElementsAre;

// Login reaches the users table, the hasher, the issuer and the refresh tokens (its sessions):
// an invalid request looks nobody up, an unknown user is not hashed, and a wrong password issues
// no token and stores no session.
class LoginTest : public ServiceTest {
 protected:
  LoginTest()
      : ServiceTest({Collaborator::kUsers, Collaborator::kHasher, Collaborator::kIssuer,
                     Collaborator::kRefreshTokens}) {}
};

// --- Login ---

TEST_F(LoginTest, LoginByEmailOpensSessionAndSetsCookies) {
  EXPECT_CALL(users_, FindByEmail(absl::string_view("alice@example.com")))
      .WillOnce(Return(StoredUser()));
  EXPECT_CALL(hasher_, Verify(absl::string_view(kPasswordDigest), absl::string_view(kStoredHash)))
      .WillOnce(Return(true));
  EXPECT_CALL(hasher_, NeedsRehash(absl::string_view(kStoredHash))).WillOnce(Return(false));
  const TokenClaims claims = ClaimsFor("42");
  EXPECT_CALL(issuer_, Issue(absl::string_view("42"), _))
      .WillOnce(Return(IssuedToken{kToken, claims}));
  SessionGrant stored;
  const absl::Time before = absl::Now();
  EXPECT_CALL(refresh_tokens_,
              Create(Field(&SessionGrant::session,
                           AllOf(Field(&Session::jti, "jti-1"), Field(&Session::user_id, 42),
                                 Field(&Session::expires_at, claims.expires_at),
                                 Field(&Session::token_hash, TokenHash(kToken)),
                                 Field(&Session::client_address, HasSubstr("127.0.0.1")))),
                     _))
      .WillOnce(DoAll(SaveArg<0>(&stored), Return(absl::OkStatus())));

  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  grpc::Status status = stub_->Login(&context, LoginByEmail(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.user_id(), 42);
  EXPECT_EQ(response.jwt_token(), kToken);
  EXPECT_EQ(response.expires_at_unix_seconds(), absl::ToUnixSeconds(claims.expires_at));
  // The refresh token is returned once and stored only as a digest, in a family of its own.
  EXPECT_EQ(response.refresh_token().size(), 43u);
  const RefreshToken& refresh = stored.refresh_token;
  EXPECT_EQ(refresh.token_hash, crypto::Sha256Hex(response.refresh_token()));
  EXPECT_EQ(refresh.family_id, "jti-1");
  EXPECT_EQ(refresh.session_jti, "jti-1");
  EXPECT_EQ(refresh.user_id, 42);
  EXPECT_GE(refresh.expires_at, before + absl::Hours(24 * 30));
  EXPECT_LE(refresh.expires_at, absl::Now() + absl::Hours(24 * 30));

  std::vector<std::string> cookies;
  auto range = context.GetServerInitialMetadata().equal_range("set-cookie");
  for (auto it = range.first; it != range.second; ++it) {
    cookies.emplace_back(it->second.data(), it->second.size());
  }
  EXPECT_THAT(cookies,
              UnorderedElementsAre(
                  AllOf(HasSubstr("user_id=42; Path=/; Max-Age="),
                        HasSubstr("HttpOnly; Secure; SameSite=Strict")),
                  AllOf(HasSubstr(std::string("jwt-token=") + kToken + "; Path=/; Max-Age="),
                        HasSubstr("HttpOnly; Secure; SameSite=Strict")),
                  AllOf(HasSubstr("refresh-token=" + response.refresh_token() +
                                  "; Path=/auth.v1.AuthService/; Max-Age=259"),
                        HasSubstr("HttpOnly; Secure; SameSite=Strict"))));
}

TEST_F(LoginTest, LoginByPhoneLooksUpThePhone) {
  EXPECT_CALL(users_, FindByPhone(absl::string_view("+15551234567")))
      .WillOnce(Return(StoredUser()));
  EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(true));
  EXPECT_CALL(hasher_, NeedsRehash(_)).WillOnce(Return(false));
  EXPECT_CALL(issuer_, Issue(_, _)).WillOnce(Return(IssuedToken{kToken, ClaimsFor("42")}));
  EXPECT_CALL(refresh_tokens_, Create(_, _)).WillOnce(Return(absl::OkStatus()));
  auth::v1::LoginRequest request;
  request.set_phone_number("+15551234567");
  request.set_password_hash(kPasswordDigest);
  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  ASSERT_TRUE(stub_->Login(&context, request, &response).ok());
  EXPECT_EQ(response.user_id(), 42);
}

// A login starts a refresh-token family now; its first token gets the full token lifetime.
TEST_F(LoginTest, LoginStartsARefreshTokenFamily) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(StoredUser()));
  EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(true));
  EXPECT_CALL(hasher_, NeedsRehash(_)).WillOnce(Return(false));
  EXPECT_CALL(issuer_, Issue(_, _)).WillOnce(Return(IssuedToken{kToken, ClaimsFor("42")}));
  repository::SessionGrant stored;
  EXPECT_CALL(refresh_tokens_, Create(_, _))
      .WillOnce(DoAll(SaveArg<0>(&stored), Return(absl::OkStatus())));
  const absl::Time before = absl::Now();
  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  ASSERT_TRUE(stub_->Login(&context, LoginByEmail(), &response).ok());
  const repository::RefreshToken& token = stored.refresh_token;
  EXPECT_EQ(token.family_id, stored.session.jti);
  EXPECT_GE(token.family_started_at, before);
  EXPECT_LE(token.family_started_at, absl::Now());
  EXPECT_EQ(token.expires_at, token.family_started_at + absl::Hours(24 * 30));
}

TEST_F(LoginTest, LoginUnknownUserIsNotFoundWithoutHashing) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(absl::NotFoundError("no user")));
  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  EXPECT_EQ(stub_->Login(&context, LoginByEmail(), &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(LoginTest, LoginWrongPasswordIsUnauthenticatedAndOpensNoSession) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(StoredUser()));
  EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(false));
  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  grpc::Status status = stub_->Login(&context, LoginByEmail(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(context.GetServerInitialMetadata(), ::testing::IsEmpty());
}

TEST_F(LoginTest, LoginUpgradesAnOutdatedHash) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(StoredUser()));
  EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(true));
  EXPECT_CALL(hasher_, NeedsRehash(_)).WillOnce(Return(true));
  EXPECT_CALL(hasher_, Hash(absl::string_view(kPasswordDigest))).WillOnce(Return("$argon2id$new"));
  EXPECT_CALL(users_, UpdatePasswordHash(42, absl::string_view("$argon2id$new")))
      .WillOnce(Return(absl::OkStatus()));
  EXPECT_CALL(issuer_, Issue(_, _)).WillOnce(Return(IssuedToken{kToken, ClaimsFor("42")}));
  EXPECT_CALL(refresh_tokens_, Create(_, _)).WillOnce(Return(absl::OkStatus()));
  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  EXPECT_TRUE(stub_->Login(&context, LoginByEmail(), &response).ok());
}

TEST_F(LoginTest, LoginWithUnreadableStoredHashIsInternal) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(StoredUser()));
  EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(absl::InvalidArgumentError("bad PHC")));
  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  // Not INVALID_ARGUMENT: the caller's input was fine, our stored data is not.
  EXPECT_EQ(stub_->Login(&context, LoginByEmail(), &response).error_code(),
            grpc::StatusCode::INTERNAL);
}

TEST_F(LoginTest, LoginFailsWhenTheSessionCannotBeStored) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(StoredUser()));
  EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(true));
  EXPECT_CALL(hasher_, NeedsRehash(_)).WillOnce(Return(false));
  EXPECT_CALL(issuer_, Issue(_, _)).WillOnce(Return(IssuedToken{kToken, ClaimsFor("42")}));
  EXPECT_CALL(refresh_tokens_, Create(_, _)).WillOnce(Return(absl::UnavailableError("gone")));
  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  EXPECT_EQ(stub_->Login(&context, LoginByEmail(), &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(response.jwt_token().empty());
  EXPECT_TRUE(response.refresh_token().empty());
}

TEST_F(LoginTest, LoginRefusesAUserIdThatDoesNotFitTheApi) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(StoredUser(int64_t{1} << 31)));
  EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(true));
  EXPECT_CALL(hasher_, NeedsRehash(_)).WillOnce(Return(false));
  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  EXPECT_EQ(stub_->Login(&context, LoginByEmail(), &response).error_code(),
            grpc::StatusCode::INTERNAL);
}

TEST_F(LoginTest, LoginNeedsExactlyOneIdentifier) {
  auth::v1::LoginRequest request = LoginByEmail();
  request.set_phone_number("+15551234567");
  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  EXPECT_EQ(stub_->Login(&context, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// --- GetJwks ---

TEST_F(LoginTest, GetJwksServesTheConfiguredDocument) {
  auth::v1::GetJwksResponse response;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->GetJwks(&context, auth::v1::GetJwksRequest(), &response).ok());
    EXPECT_EQ(response.jwks_json(), R"({"keys":[]})");
  }
  StopServer();
  service::AuthServiceOptions options;
  options.jwks_json = R"({"keys":[{"kty":"OKP","kid":"k1"}]})";
  StartServer(16, options);
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->GetJwks(&context, auth::v1::GetJwksRequest(), &response).ok());
  EXPECT_EQ(response.jwks_json(), options.jwks_json);
}

TEST_F(LoginTest, GetJwksAsksForTheDocumentOnEveryCall) {
  StopServer();
  auto document = std::make_shared<std::string>(R"({"keys":[{"kid":"old"}]})");
  service::AuthServiceOptions options;
  options.jwks = [document] { return *document; };  // keys rotated by another thread
  StartServer(16, options);
  auth::v1::GetJwksResponse response;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->GetJwks(&context, auth::v1::GetJwksRequest(), &response).ok());
    EXPECT_EQ(response.jwks_json(), R"({"keys":[{"kid":"old"}]})");
  }
  *document = R"({"keys":[{"kid":"old"},{"kid":"new"}]})";
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->GetJwks(&context, auth::v1::GetJwksRequest(), &response).ok());
  EXPECT_EQ(response.jwks_json(), R"({"keys":[{"kid":"old"},{"kid":"new"}]})");
}

}  // namespace
}  // namespace auth::service_testing
