#include "libs/token/jwt_test_fixture.h"

#include <string>
#include <utility>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "libs/testing/status_matchers.h"
#include "libs/token/internal/base64url.h"
#include "libs/token/internal/compact_jws.h"

namespace auth::token_testing {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Decode(absl::string_view text) {
  return token::internal::Base64UrlDecode(text).value();
}

token::Key MustKey(absl::StatusOr<token::Key> key) {
  EXPECT_THAT(key, IsOk());
  return *std::move(key);
}

token::KeySet MustKeySet(absl::StatusOr<token::KeySet> keys) {
  EXPECT_THAT(keys, IsOk());
  return *std::move(keys);
}

std::string SignRaw(const token::Key& key, const std::string& header, const std::string& payload) {
  std::string signing_input = token::internal::MakeSigningInput(header, payload);
  return token::internal::AppendSignature(signing_input, key.Sign(signing_input).value());
}

JwtTest::JwtTest()
    : signing_key_(MustKey(token::Key::Ed25519FromSeed("current", Decode(kRfc8037D)))),
      keys_(MustKeySet(token::KeySet::Create(signing_key_, {}))) {}

token::Clock JwtTest::clock() {
  return [this] { return now_; };
}

token::JwtOptions JwtTest::IssuerOptions() {
  token::JwtOptions options;
  options.issuer = kIssuer;
  options.audience = kAudience;
  options.clock = clock();
  return options;
}

token::JwtVerifierOptions JwtTest::VerifierOptions() {
  token::JwtVerifierOptions options;
  options.issuer = kIssuer;
  options.audience = kAudience;
  options.clock = clock();
  return options;
}

token::JwtVerifier JwtTest::Verifier() { return token::JwtVerifier(keys_, VerifierOptions()); }

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
  absl::StatusOr<token::TokenClaims> claims = Verifier().Verify(token);
  EXPECT_THAT(claims, StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr(check)));
  for (absl::string_view part : absl::StrSplit(token, '.')) {
    if (part.size() >= 8) {
      EXPECT_THAT(std::string(claims.status().message()), Not(HasSubstr(std::string(part))));
    }
  }
}

}  // namespace auth::token_testing
