// Tests of JwtIssuer: what it issues, and the tokens of the RFC examples and other keys.
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "libs/token/internal/base64url.h"
#include "libs/token/internal/compact_jws.h"
#include "libs/token/jwt.h"
#include "libs/token/jwt_test_fixture.h"
#include "libs/token/key.h"
#include "libs/token/key_set.h"
#include "libs/token/token.h"

namespace auth::token_testing {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(JwtTest, IssuedTokenVerifies) {
  token::JwtIssuer issuer(keys_, IssuerOptions());
  EXPECT_EQ(issuer.lifetime(), absl::Minutes(15));
  ASSERT_OK_AND_ASSIGN(token::IssuedToken issued, issuer.Issue("42"));
  EXPECT_EQ(issued.claims.subject, "42");
  EXPECT_EQ(issued.claims.issuer, kIssuer);
  EXPECT_EQ(issued.claims.audience, kAudience);
  EXPECT_EQ(issued.claims.key_id, "current");
  EXPECT_EQ(issued.claims.issued_at, now_);
  EXPECT_EQ(issued.claims.not_before, now_);
  EXPECT_EQ(issued.claims.expires_at, now_ + absl::Minutes(15));

  ASSERT_OK_AND_ASSIGN(token::TokenClaims claims, Verifier().Verify(issued.token));
  EXPECT_EQ(claims.subject, "42");
  EXPECT_EQ(claims.issuer, kIssuer);
  EXPECT_EQ(claims.audience, kAudience);
  EXPECT_EQ(claims.jwt_id, issued.claims.jwt_id);
  EXPECT_EQ(claims.key_id, "current");
  EXPECT_EQ(claims.issued_at, issued.claims.issued_at);
  EXPECT_EQ(claims.not_before, issued.claims.not_before);
  EXPECT_EQ(claims.expires_at, issued.claims.expires_at);
}

TEST_F(JwtTest, IssuedTokenHasTheDocumentedLayout) {
  now_ += absl::Milliseconds(999);  // sub-second parts are dropped, not rounded
  token::JwtIssuer issuer(keys_, IssuerOptions());
  ASSERT_OK_AND_ASSIGN(token::IssuedToken issued, issuer.Issue("7"));
  ASSERT_OK_AND_ASSIGN(token::internal::CompactJws jws,
                       token::internal::ParseCompactJws(issued.token));
  EXPECT_EQ(jws.header, (Json{{"alg", "EdDSA"}, {"kid", "current"}, {"typ", "JWT"}}));
  Json claims = Json::parse(jws.payload);
  EXPECT_EQ(claims.size(), 7u);
  EXPECT_EQ(claims["iss"], kIssuer);
  EXPECT_EQ(claims["aud"], kAudience);
  EXPECT_EQ(claims["sub"], "7");
  EXPECT_EQ(claims["iat"], kStart);
  EXPECT_EQ(claims["nbf"], kStart);
  EXPECT_EQ(claims["exp"], kStart + 900);
  ASSERT_TRUE(claims["jti"].is_string());
  EXPECT_EQ(Decode(claims["jti"].get<std::string>()).size(), 16u);  // 128 random bits
  EXPECT_TRUE(signing_key_.Verify(jws.signing_input, jws.signature));
}

TEST_F(JwtTest, LifetimeIsConfigurable) {
  token::JwtOptions options = IssuerOptions();
  options.lifetime = absl::Minutes(5);
  token::JwtIssuer issuer(keys_, options);
  EXPECT_EQ(issuer.lifetime(), absl::Minutes(5));
  ASSERT_OK_AND_ASSIGN(token::IssuedToken issued, issuer.Issue("42"));
  EXPECT_EQ(issued.claims.expires_at - issued.claims.issued_at, absl::Minutes(5));
}

TEST_F(JwtTest, JwtIdsAreUnique) {
  token::JwtIssuer issuer(keys_, IssuerOptions());
  absl::flat_hash_set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_OK_AND_ASSIGN(token::IssuedToken issued, issuer.Issue("42"));
    EXPECT_TRUE(ids.insert(issued.claims.jwt_id).second) << "repeated jti";
  }
}

TEST_F(JwtTest, Hs256TokensVerify) {
  token::Key hmac = MustKey(token::Key::Hs256("hmac", std::string(32, 'k')));
  token::KeySet keys = MustKeySet(token::KeySet::Create(hmac, {}));
  token::JwtIssuer issuer(keys, IssuerOptions());
  ASSERT_OK_AND_ASSIGN(token::IssuedToken issued, issuer.Issue("42"));
  ASSERT_OK_AND_ASSIGN(token::internal::CompactJws jws,
                       token::internal::ParseCompactJws(issued.token));
  EXPECT_EQ(jws.header["alg"], "HS256");
  ASSERT_OK_AND_ASSIGN(token::TokenClaims claims,
                       token::JwtVerifier(keys, VerifierOptions()).Verify(issued.token));
  EXPECT_EQ(claims.key_id, "hmac");
  // A different secret under the same kid must not verify.
  token::KeySet other = MustKeySet(
      token::KeySet::Create(MustKey(token::Key::Hs256("hmac", std::string(32, 'x'))), {}));
  EXPECT_THAT(token::JwtVerifier(other, VerifierOptions()).Verify(issued.token),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("bad signature")));
}

TEST_F(JwtTest, VerifiesWithThePublicKeyAlone) {
  token::JwtIssuer issuer(keys_, IssuerOptions());
  ASSERT_OK_AND_ASSIGN(token::IssuedToken issued, issuer.Issue("42"));
  token::Key public_key = MustKey(token::Key::Ed25519FromPublicBytes("current", Decode(kRfc8037X)));
  token::KeySet public_keys = MustKeySet(token::KeySet::Create(std::nullopt, {public_key}));
  EXPECT_THAT(token::JwtVerifier(public_keys, VerifierOptions()).Verify(issued.token), IsOk());
}

TEST_F(JwtTest, Rfc8037ExampleVerifiesAndIsReproduced) {
  // A.5: the example verifies with the public key. It has no kid, so it is checked at the JWS
  // layer; the full verifier must refuse it for exactly that reason.
  token::Key public_key = MustKey(token::Key::Ed25519FromPublicBytes("rfc", Decode(kRfc8037X)));
  ASSERT_OK_AND_ASSIGN(token::internal::CompactJws jws,
                       token::internal::ParseCompactJws(kRfc8037Jws));
  EXPECT_EQ(jws.header, (Json{{"alg", "EdDSA"}}));
  EXPECT_EQ(jws.payload, "Example of Ed25519 signing");
  EXPECT_TRUE(public_key.Verify(jws.signing_input, jws.signature));
  // A.4: Ed25519 is deterministic, so our signer reproduces the whole JWS byte for byte.
  EXPECT_EQ(SignRaw(signing_key_, R"({"alg":"EdDSA"})", "Example of Ed25519 signing"), kRfc8037Jws);
  ExpectRejected(kRfc8037Jws, "kid is missing");
}

TEST_F(JwtTest, Rfc7515HmacExampleVerifiesAtTheJwsLayer) {
  token::Key key = MustKey(token::Key::Hs256("rfc", Decode(kRfc7515Key)));
  ASSERT_OK_AND_ASSIGN(token::internal::CompactJws jws,
                       token::internal::ParseCompactJws(kRfc7515Jws));
  EXPECT_EQ(jws.header["alg"], "HS256");
  EXPECT_TRUE(key.Verify(jws.signing_input, jws.signature));
  Json claims = Json::parse(jws.payload);
  EXPECT_EQ(claims["iss"], "joe");
  EXPECT_EQ(claims["exp"], 1300819380);
  std::string tampered = jws.signing_input;
  tampered[tampered.size() - 3] ^= 1;
  EXPECT_FALSE(key.Verify(tampered, jws.signature));
  // No kid, no aud: the full verifier refuses it even with the clock before its exp.
  token::KeySet keys = MustKeySet(token::KeySet::Create(key, {}));
  now_ = absl::FromUnixSeconds(1300819000);
  EXPECT_THAT(token::JwtVerifier(keys, VerifierOptions()).Verify(kRfc7515Jws),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("kid is missing")));
}

TEST_F(JwtTest, KeyRotation) {
  token::Key old_key = MustKey(token::Key::GenerateEd25519("old"));
  token::JwtIssuer old_issuer(MustKeySet(token::KeySet::Create(old_key, {})), IssuerOptions());
  ASSERT_OK_AND_ASSIGN(token::IssuedToken old_token, old_issuer.Issue("42"));

  token::Key old_public =
      MustKey(token::Key::Ed25519FromPublicBytes("old", old_key.PublicKeyBytes().value()));
  token::KeySet rotated = MustKeySet(token::KeySet::Create(signing_key_, {old_public}));
  token::JwtIssuer new_issuer(rotated, IssuerOptions());
  ASSERT_OK_AND_ASSIGN(token::IssuedToken new_token, new_issuer.Issue("43"));
  EXPECT_EQ(new_token.claims.key_id, "current");

  token::JwtVerifier during(rotated, VerifierOptions());
  ASSERT_OK_AND_ASSIGN(token::TokenClaims old_claims, during.Verify(old_token.token));
  EXPECT_EQ(old_claims.key_id, "old");
  EXPECT_EQ(old_claims.subject, "42");
  EXPECT_THAT(during.Verify(new_token.token), IsOk());

  token::JwtVerifier after(keys_, VerifierOptions());  // the old key has been removed
  EXPECT_THAT(after.Verify(old_token.token),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("unknown kid")));
  EXPECT_THAT(after.Verify(new_token.token), IsOk());
}

TEST_F(JwtTest, AmrIsSignedAndReadBack) {
  token::JwtIssuer issuer(keys_, IssuerOptions());
  token::JwtVerifier verifier(keys_, VerifierOptions());
  ASSERT_OK_AND_ASSIGN(token::IssuedToken with_amr, issuer.Issue("42", {"pwd", "otp"}));
  EXPECT_THAT(with_amr.claims.amr, ElementsAre("pwd", "otp"));
  ASSERT_OK_AND_ASSIGN(token::TokenClaims claims, verifier.Verify(with_amr.token));
  EXPECT_THAT(claims.amr, ElementsAre("pwd", "otp"));

  ASSERT_OK_AND_ASSIGN(token::internal::CompactJws jws,
                       token::internal::ParseCompactJws(with_amr.token));
  EXPECT_EQ(Json::parse(jws.payload)["amr"], Json::array({"pwd", "otp"}));

  // No amr: no claim at all, as before amr existed (IssuedTokenHasTheDocumentedLayout).
  ASSERT_OK_AND_ASSIGN(token::IssuedToken without, issuer.Issue("42"));
  ASSERT_OK_AND_ASSIGN(claims, verifier.Verify(without.token));
  EXPECT_TRUE(claims.amr.empty());
}

TEST_F(JwtTest, IssueRejectsAmrOutOfBounds) {
  token::JwtIssuer issuer(keys_, IssuerOptions());
  EXPECT_THAT(issuer.Issue("42", {""}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(issuer.Issue("42", {"PWD"}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(issuer.Issue("42", {std::string(17, 'a')}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(issuer.Issue("42", std::vector<std::string>(9, "pwd")),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(JwtTest, IssueRejectsBadSubjects) {
  token::JwtIssuer issuer(keys_, IssuerOptions());
  EXPECT_THAT(issuer.Issue(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(issuer.Issue("\xff\xfe"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace auth::token_testing
