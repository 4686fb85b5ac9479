#include "libs/token/jwt_test_fixture.h"

#include <string>
#include <utility>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "libs/testing/status_matchers.h"
#include "libs/token/internal/base64url.h"
#include "libs/token/internal/compact_jws.h"

namespace auth::token::testing {

using ::auth::testing::IsOk;
using ::auth::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Decode(absl::string_view text) { return internal::Base64UrlDecode(text).value(); }

Key MustKey(absl::StatusOr<Key> key) {
  EXPECT_THAT(key, IsOk());
  return *std::move(key);
}

KeySet MustKeySet(absl::StatusOr<KeySet> keys) {
  EXPECT_THAT(keys, IsOk());
  return *std::move(keys);
}

std::string SignRaw(const Key& key, const std::string& header, const std::string& payload) {
  std::string signing_input = internal::MakeSigningInput(header, payload);
  return internal::AppendSignature(signing_input, key.Sign(signing_input).value());
}

JwtTest::JwtTest()
    : signing_key_(MustKey(Key::Ed25519FromSeed("current", Decode(kRfc8037D)))),
      keys_(MustKeySet(KeySet::Create(signing_key_, {}))) {}

Clock JwtTest::clock() {
  return [this] { return now_; };
}

JwtOptions JwtTest::IssuerOptions() {
  JwtOptions options;
  options.issuer = kIssuer;
  options.audience = kAudience;
  options.clock = clock();
  return options;
}

JwtVerifierOptions JwtTest::VerifierOptions() {
  JwtVerifierOptions options;
  options.issuer = kIssuer;
  options.audience = kAudience;
  options.clock = clock();
  return options;
}

JwtVerifier JwtTest::Verifier() { return JwtVerifier(keys_, VerifierOptions()); }

Json JwtTest::ValidHeader() { return Json{{"alg", "EdDSA"}, {"kid", "current"}, {"typ", "JWT"}}; }

Json JwtTest::ValidClaims() {
  int64_t now = absl::ToUnixSeconds(now_);
  return Json{{"iss", kIssuer}, {"aud", kAudience}, {"sub", "42"},      {"iat", now},
              {"nbf", now},     {"exp", now + 900}, {"jti", "abcdefgh"}};
}

std::string JwtTest::Sign(const Json& header, const Json& claims) {
  return SignRaw(signing_key_, header.dump(), claims.dump());
}

void JwtTest::ExpectRejected(const std::string& token, const std::string& check) {
  absl::StatusOr<TokenClaims> claims = Verifier().Verify(token);
  EXPECT_THAT(claims, StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr(check)));
  for (absl::string_view part : absl::StrSplit(token, '.')) {
    if (part.size() >= 8) {
      EXPECT_THAT(std::string(claims.status().message()), Not(HasSubstr(std::string(part))));
    }
  }
}

}  // namespace auth::token::testing
