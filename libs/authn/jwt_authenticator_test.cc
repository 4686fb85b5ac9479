#include "libs/authn/jwt_authenticator.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "api/auth/v1/auth_mock.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/authn/authenticator.h"
#include "libs/authn/jwks_key_source.h"
#include "libs/authn/test_clock.h"
#include "libs/testing/status_matchers.h"
#include "libs/token/jwt.h"
#include "libs/token/key.h"
#include "libs/token/key_set.h"

namespace auth::authn {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::auth::token::IssuedToken;
using ::auth::token::JwtIssuer;
using ::auth::token::JwtOptions;
using ::auth::token::Key;
using ::auth::token::KeySet;
using ::auth::v1::GetJwksResponse;
using ::auth::v1::MockAuthServiceStub;
using ::auth::v1::ValidateTokenRequest;
using ::auth::v1::ValidateTokenResponse;
using ::testing::_;
using ::testing::DoAll;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Property;
using ::testing::Return;
using ::testing::SetArgPointee;
using ::testing::StrictMock;

constexpr char kIssuer[] = "auth-service";
constexpr char kAudience[] = "auth-service-clients";

Key NewKey(absl::string_view kid) {
  absl::StatusOr<Key> key = Key::GenerateEd25519(kid);
  EXPECT_THAT(key, IsOk());
  return *key;
}

std::string JwksOf(std::vector<Key> keys) {
  absl::StatusOr<KeySet> set = KeySet::Create(std::nullopt, std::move(keys));
  EXPECT_THAT(set, IsOk());
  return set->ToJwks();
}

auto ReturnJwks(const std::string& jwks_json) {
  GetJwksResponse response;
  response.set_jwks_json(jwks_json);
  return DoAll(SetArgPointee<2>(response), Return(grpc::Status::OK));
}

// Client metadata as a server sees it; owns the strings its string_refs point into.
class Metadata {
 public:
  Metadata& Add(std::string key, std::string value) {
    storage_.emplace_back(std::move(key), std::move(value));
    return *this;
  }
  const ClientMetadata& Get() {
    map_.clear();
    for (const auto& [key, value] : storage_) map_.emplace(key, value);
    return map_;
  }

 private:
  std::vector<std::pair<std::string, std::string>> storage_;
  ClientMetadata map_;
};

class JwtAuthenticatorTest : public ::testing::Test {
 protected:
  // A token the auth service would issue for `subject`, signed with `key`.
  IssuedToken Mint(const Key& key, absl::string_view subject = "42",
                   absl::string_view issuer = kIssuer, absl::string_view audience = kAudience) {
    absl::StatusOr<KeySet> keys = KeySet::Create(key, {});
    EXPECT_THAT(keys, IsOk());
    JwtOptions options;
    options.issuer = std::string(issuer);
    options.audience = std::string(audience);
    options.lifetime = absl::Minutes(15);
    options.clock = clock_.AsClock();
    absl::StatusOr<IssuedToken> issued = JwtIssuer(*keys, options).Issue(subject);
    EXPECT_THAT(issued, IsOk());
    return *issued;
  }

  // A fresh JwtAuthenticator (and key cache) over the mock stub.
  std::unique_ptr<JwtAuthenticator> MakeAuthenticator(bool confirm_not_revoked,
                                                      AccessTokenSources sources = {}) {
    JwksKeySourceOptions key_options;
    key_options.max_age = absl::Hours(24);
    key_options.clock = clock_.AsClock();
    key_source_ = std::make_unique<JwksKeySource>(&stub_, key_options);
    JwtAuthenticatorOptions options;
    options.confirm_not_revoked = confirm_not_revoked;
    options.token_sources = std::move(sources);
    options.clock = clock_.AsClock();
    return std::make_unique<JwtAuthenticator>(key_source_.get(), &stub_, options);
  }

  absl::StatusOr<AuthenticatedUser> WithBearer(const Authenticator& authenticator,
                                               const std::string& token) {
    Metadata metadata;
    metadata.Add("authorization", "Bearer " + token);
    return authenticator.Authenticate(metadata.Get());
  }

  void ExpectJwksFetch(const std::vector<Key>& keys) {
    EXPECT_CALL(stub_, GetJwks(_, _, _)).WillOnce(ReturnJwks(JwksOf(keys)));
  }

  authn_testing::FakeClock clock_;
  StrictMock<MockAuthServiceStub> stub_;
  std::unique_ptr<JwksKeySource> key_source_;
  const Key primary_ = NewKey("primary");
};

TEST_F(JwtAuthenticatorTest, AcceptsAValidBearerToken) {
  ExpectJwksFetch({primary_});
  auto authenticator = MakeAuthenticator(false);
  const IssuedToken issued = Mint(primary_, "42");
  absl::StatusOr<AuthenticatedUser> user = WithBearer(*authenticator, issued.token);
  ASSERT_THAT(user, IsOk());
  EXPECT_EQ(user->user_id, 42);
  EXPECT_EQ(user->session_id, issued.claims.jwt_id);
  EXPECT_EQ(user->expires_at, issued.claims.expires_at);
}

TEST_F(JwtAuthenticatorTest, RefusesTheCookieByDefault) {
  auto authenticator = MakeAuthenticator(true);  // StrictMock: no call expected
  const IssuedToken issued = Mint(primary_, "7");
  Metadata metadata;
  metadata.Add("cookie", "user_id=7; jwt-token=" + issued.token);
  EXPECT_THAT(authenticator->Authenticate(metadata.Get()),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("missing")));
}

TEST_F(JwtAuthenticatorTest, AcceptsTheCookieWhenOptedIn) {
  ExpectJwksFetch({primary_});
  AccessTokenSources sources;
  sources.cookie = true;
  sources.cookie_name = "__Host-jwt-token";
  auto authenticator = MakeAuthenticator(false, sources);
  const IssuedToken issued = Mint(primary_, "7");
  Metadata metadata;
  metadata.Add("cookie", "user_id=7; __Host-jwt-token=" + issued.token + "; theme=dark");
  absl::StatusOr<AuthenticatedUser> user = authenticator->Authenticate(metadata.Get());
  ASSERT_THAT(user, IsOk());
  EXPECT_EQ(user->user_id, 7);
}

TEST_F(JwtAuthenticatorTest, MissingOrMalformedTokenIsRefusedWithoutCallingAnyone) {
  auto authenticator = MakeAuthenticator(true);  // StrictMock: no call expected
  Metadata none;
  EXPECT_THAT(authenticator->Authenticate(none.Get()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  Metadata basic;
  basic.Add("authorization", "Basic YWxpY2U6c2VjcmV0");
  EXPECT_THAT(authenticator->Authenticate(basic.Get()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  for (const char* token : {"not-a-jwt", "a.b.c", "e30.e30.e30"}) {
    SCOPED_TRACE(token);
    EXPECT_THAT(WithBearer(*authenticator, token), StatusIs(absl::StatusCode::kUnauthenticated));
  }
}

TEST_F(JwtAuthenticatorTest, ForgedSignaturesAreRefused) {
  ExpectJwksFetch({primary_});
  auto authenticator = MakeAuthenticator(true);  // a forgery never reaches ValidateToken
  std::string flipped = Mint(primary_).token;
  // Flip a bit in the middle of the signature (not its last character, whose low bits are
  // padding a strict decoder may reject for other reasons).
  char& c = flipped[flipped.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  EXPECT_THAT(WithBearer(*authenticator, flipped), StatusIs(absl::StatusCode::kUnauthenticated));
  // Signed by an attacker's key that claims our kid: no refetch (the kid is known), refused.
  const IssuedToken impostor = Mint(NewKey("primary"));
  absl::StatusOr<AuthenticatedUser> user = WithBearer(*authenticator, impostor.token);
  EXPECT_THAT(user, StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(std::string(user.status().message()), Not(HasSubstr(impostor.token)));
}

TEST_F(JwtAuthenticatorTest, WrongIssuerOrAudienceIsRefused) {
  ExpectJwksFetch({primary_});
  auto authenticator = MakeAuthenticator(false);
  EXPECT_THAT(WithBearer(*authenticator, Mint(primary_, "42", "someone-else").token),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(WithBearer(*authenticator, Mint(primary_, "42", kIssuer, "other-clients").token),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(JwtAuthenticatorTest, ExpiredTokenIsRefused) {
  ExpectJwksFetch({primary_});
  auto authenticator = MakeAuthenticator(false);
  const IssuedToken issued = Mint(primary_);
  ASSERT_THAT(WithBearer(*authenticator, issued.token), IsOk());
  clock_.Advance(absl::Minutes(15) + absl::Seconds(31));  // lifetime + leeway
  EXPECT_THAT(WithBearer(*authenticator, issued.token),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(JwtAuthenticatorTest, SubjectThatIsNotAUserIdIsRefused) {
  ExpectJwksFetch({primary_});
  auto authenticator = MakeAuthenticator(false);
  for (const char* subject : {"alice", "0", "-3", "042", "99999999999"}) {
    SCOPED_TRACE(subject);
    EXPECT_THAT(WithBearer(*authenticator, Mint(primary_, subject).token),
                StatusIs(absl::StatusCode::kUnauthenticated));
  }
}

TEST_F(JwtAuthenticatorTest, UnknownKidRefetchesExactlyOnceThenRefuses) {
  EXPECT_CALL(stub_, GetJwks(_, _, _)).Times(2).WillRepeatedly(ReturnJwks(JwksOf({primary_})));
  auto authenticator = MakeAuthenticator(false);
  ASSERT_THAT(WithBearer(*authenticator, Mint(primary_).token), IsOk());
  clock_.Advance(absl::Minutes(1));
  EXPECT_THAT(WithBearer(*authenticator, Mint(NewKey("stranger")).token),
              StatusIs(absl::StatusCode::kUnauthenticated));
  // More unknown kids within the refetch interval: refused without another fetch.
  EXPECT_THAT(WithBearer(*authenticator, Mint(NewKey("stranger-2")).token),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(WithBearer(*authenticator, Mint(NewKey("stranger")).token),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(JwtAuthenticatorTest, KeyRotationIsPickedUpAfterARefetch) {
  const Key next = NewKey("next");
  EXPECT_CALL(stub_, GetJwks(_, _, _))
      .WillOnce(ReturnJwks(JwksOf({primary_})))
      .WillOnce(ReturnJwks(JwksOf({next, primary_})));
  auto authenticator = MakeAuthenticator(false);
  const IssuedToken old_token = Mint(primary_, "5");
  ASSERT_THAT(WithBearer(*authenticator, old_token.token), IsOk());
  clock_.Advance(absl::Minutes(1));
  absl::StatusOr<AuthenticatedUser> user = WithBearer(*authenticator, Mint(next, "6").token);
  ASSERT_THAT(user, IsOk());
  EXPECT_EQ(user->user_id, 6);
  EXPECT_THAT(WithBearer(*authenticator, old_token.token), IsOk());  // still accepted
}

TEST_F(JwtAuthenticatorTest, KeysUnavailableIsUnavailable) {
  EXPECT_CALL(stub_, GetJwks(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused")));
  auto authenticator = MakeAuthenticator(false);
  EXPECT_THAT(WithBearer(*authenticator, Mint(primary_).token),
              StatusIs(absl::StatusCode::kUnavailable));
}

// --- confirm_not_revoked -----------------------------------------------------------------

class ConfirmNotRevokedTest : public JwtAuthenticatorTest {
 protected:
  void SetUp() override {
    ExpectJwksFetch({primary_});
    authenticator_ = MakeAuthenticator(true);
    issued_ = Mint(primary_, "42");
  }

  ValidateTokenResponse Valid(int32_t user_id, const std::string& session_id) {
    ValidateTokenResponse response;
    response.set_user_id(user_id);
    response.set_session_id(session_id);
    response.set_expires_at_unix_seconds(absl::ToUnixSeconds(issued_.claims.expires_at));
    return response;
  }

  void ExpectValidateToken(grpc::Status status, ValidateTokenResponse response = {}) {
    EXPECT_CALL(stub_, ValidateToken(_, Property(&ValidateTokenRequest::token, issued_.token), _))
        .WillOnce(DoAll(SetArgPointee<2>(response), Return(status)));
  }

  std::unique_ptr<JwtAuthenticator> authenticator_;
  IssuedToken issued_;
};

TEST_F(ConfirmNotRevokedTest, AcceptsWhenTheAuthServiceConfirms) {
  ExpectValidateToken(grpc::Status::OK, Valid(42, issued_.claims.jwt_id));
  absl::StatusOr<AuthenticatedUser> user = WithBearer(*authenticator_, issued_.token);
  ASSERT_THAT(user, IsOk());
  EXPECT_EQ(user->user_id, 42);
  EXPECT_EQ(user->session_id, issued_.claims.jwt_id);
}

TEST_F(ConfirmNotRevokedTest, RevokedSessionIsUnauthenticated) {
  ExpectValidateToken(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "session revoked"));
  EXPECT_THAT(WithBearer(*authenticator_, issued_.token),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(ConfirmNotRevokedTest, UnreachableAuthServiceIsUnavailable) {
  ExpectValidateToken(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused"));
  EXPECT_THAT(WithBearer(*authenticator_, issued_.token), StatusIs(absl::StatusCode::kUnavailable));
  ExpectValidateToken(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "slow"));
  EXPECT_THAT(WithBearer(*authenticator_, issued_.token), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ConfirmNotRevokedTest, DisagreementWithTheAuthServiceIsUnauthenticated) {
  ExpectValidateToken(grpc::Status::OK, Valid(43, issued_.claims.jwt_id));
  EXPECT_THAT(WithBearer(*authenticator_, issued_.token),
              StatusIs(absl::StatusCode::kUnauthenticated));
  ExpectValidateToken(grpc::Status::OK, Valid(42, "another-session"));
  EXPECT_THAT(WithBearer(*authenticator_, issued_.token),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(ConfirmNotRevokedTest, ValidateTokenHasADeadline) {
  EXPECT_CALL(stub_, ValidateToken(_, _, _))
      .WillOnce([&](grpc::ClientContext* context, const ValidateTokenRequest&,
                    ValidateTokenResponse* response) {
        EXPECT_LE(context->deadline(), std::chrono::system_clock::now() + std::chrono::seconds(2));
        *response = Valid(42, issued_.claims.jwt_id);
        return grpc::Status::OK;
      });
  EXPECT_THAT(WithBearer(*authenticator_, issued_.token), IsOk());
}

}  // namespace
}  // namespace auth::authn
