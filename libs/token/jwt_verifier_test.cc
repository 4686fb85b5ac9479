// Tests of JwtVerifier: every way a token is rejected, departing from a valid one by one change.
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_split.h"
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
using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(JwtTest, AcceptsValidHandBuiltToken) {
  // The baseline every rejection test below departs from by one change.
  EXPECT_THAT(Verifier().Verify(Sign(ValidHeader(), ValidClaims())), IsOk());
}

TEST_F(JwtTest, ExpiryHonoursLeeway) {
  std::string token = Sign(ValidHeader(), ValidClaims());
  now_ += absl::Seconds(900 + 29);
  EXPECT_THAT(Verifier().Verify(token), IsOk());
  now_ += absl::Seconds(1);
  ExpectRejected(token, "expired");
  now_ += absl::Hours(24);
  ExpectRejected(token, "expired");
}

TEST_F(JwtTest, NotBeforeHonoursLeeway) {
  Json claims = ValidClaims();
  claims["nbf"] = kStart + 30;
  EXPECT_THAT(Verifier().Verify(Sign(ValidHeader(), claims)), IsOk());
  claims["nbf"] = kStart + 31;
  ExpectRejected(Sign(ValidHeader(), claims), "not yet valid");
}

TEST_F(JwtTest, RejectsIssuedInTheFuture) {
  Json claims = ValidClaims();
  claims["iat"] = kStart + 30;
  EXPECT_THAT(Verifier().Verify(Sign(ValidHeader(), claims)), IsOk());
  claims["iat"] = kStart + 31;
  ExpectRejected(Sign(ValidHeader(), claims), "issued in the future");
}

TEST_F(JwtTest, RejectsWrongIssuerAndAudience) {
  Json claims = ValidClaims();
  claims["iss"] = "evil.example";
  ExpectRejected(Sign(ValidHeader(), claims), "wrong issuer");
  claims = ValidClaims();
  claims["aud"] = "other.example";
  ExpectRejected(Sign(ValidHeader(), claims), "wrong audience");
}

TEST_F(JwtTest, RejectsAlgNone) {
  Json header = ValidHeader();
  header["alg"] = "none";
  std::string unsigned_token =
      token::internal::MakeSigningInput(header.dump(), ValidClaims().dump()) + ".";
  ExpectRejected(unsigned_token, "alg none");
  ExpectRejected(Sign(header, ValidClaims()), "alg none");
}

TEST_F(JwtTest, TakesTheAlgorithmFromTheKeyNotTheHeader) {
  // The classic confusion attack: HMAC over the token with the public key as the secret.
  Json header = ValidHeader();
  header["alg"] = "HS256";
  token::Key confused =
      MustKey(token::Key::Hs256("current", signing_key_.PublicKeyBytes().value()));
  ExpectRejected(SignRaw(confused, header.dump(), ValidClaims().dump()), "does not match");
  header["alg"] = "ES256";
  ExpectRejected(Sign(header, ValidClaims()), "does not match");
  header["alg"] = "eddsa";
  ExpectRejected(Sign(header, ValidClaims()), "does not match");
  header.erase("alg");
  ExpectRejected(Sign(header, ValidClaims()), "alg is missing");
  header["alg"] = 1;
  ExpectRejected(Sign(header, ValidClaims()), "alg is missing");
}

TEST_F(JwtTest, RejectsMissingOrUnknownKid) {
  Json header = ValidHeader();
  header.erase("kid");
  ExpectRejected(Sign(header, ValidClaims()), "kid is missing");
  header["kid"] = 7;
  ExpectRejected(Sign(header, ValidClaims()), "kid is missing");
  header["kid"] = "someone-else";
  ExpectRejected(Sign(header, ValidClaims()), "unknown kid");
}

TEST_F(JwtTest, RejectsUnexpectedHeaderFields) {
  Json header = ValidHeader();
  header["typ"] = "at+jwt";
  ExpectRejected(Sign(header, ValidClaims()), "typ");
  header = ValidHeader();
  header["crit"] = Json::array({"exp"});
  ExpectRejected(Sign(header, ValidClaims()), "crit");
}

TEST_F(JwtTest, RejectsBadSignatures) {
  std::string token = Sign(ValidHeader(), ValidClaims());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  // Claims swapped under an otherwise valid signature.
  Json claims = ValidClaims();
  claims["sub"] = "1";
  std::string swapped =
      parts[0] + "." + token::internal::Base64UrlEncode(claims.dump()) + "." + parts[2];
  ExpectRejected(swapped, "bad signature");
  // Signed by another key that claims our kid.
  token::Key impostor = MustKey(token::Key::GenerateEd25519("current"));
  ExpectRejected(SignRaw(impostor, ValidHeader().dump(), ValidClaims().dump()), "bad signature");
  // Truncated and empty signatures.
  ExpectRejected(parts[0] + "." + parts[1] + "." + parts[2].substr(0, 40), "bad signature");
  ExpectRejected(parts[0] + "." + parts[1] + ".", "bad signature");
}

TEST_F(JwtTest, RejectsNotThreeParts) {
  std::string token = Sign(ValidHeader(), ValidClaims());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  ExpectRejected("", "three");
  ExpectRejected(parts[0] + "." + parts[1], "three");
  ExpectRejected(token + "." + parts[2], "three");
  ExpectRejected(token + ".", "three");
}

TEST_F(JwtTest, RejectsBadBase64Url) {
  std::string token = Sign(ValidHeader(), ValidClaims());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  ExpectRejected(parts[0] + "=." + parts[1] + "." + parts[2], "header is not canonical base64url");
  ExpectRejected(parts[0] + "." + parts[1] + "==." + parts[2], "payload is not canonical");
  ExpectRejected(token + "==", "signature is not canonical");
  ExpectRejected(token + " ", "signature is not canonical");
  // The standard alphabet's '+' and '/' in place of '-' and '_'.
  for (char standard : {'+', '/'}) {
    std::string signature = parts[2];
    signature[0] = standard;
    ExpectRejected(parts[0] + "." + parts[1] + "." + signature, "signature is not canonical");
    std::string payload = parts[1];
    payload[5] = standard;
    ExpectRejected(parts[0] + "." + payload + "." + parts[2], "payload is not canonical");
  }
  // A 64-byte signature ends in a character with 4 unused bits; setting one decodes to the
  // same bytes under a lenient decoder.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string non_canonical = parts[2];
  non_canonical.back() = alphabet[alphabet.find(non_canonical.back()) ^ 1];
  ExpectRejected(parts[0] + "." + parts[1] + "." + non_canonical, "signature is not canonical");
}

TEST_F(JwtTest, RejectsOversizedTokens) {
  token::JwtIssuer issuer(keys_, IssuerOptions());
  ASSERT_OK_AND_ASSIGN(token::IssuedToken issued, issuer.Issue(std::string(3500, '9')));
  ASSERT_GT(issued.token.size(), 4096u);
  ExpectRejected(issued.token, "too large");
  token::JwtVerifierOptions options = VerifierOptions();
  options.max_token_bytes = 8192;
  EXPECT_THAT(token::JwtVerifier(keys_, options).Verify(issued.token), IsOk());
}

TEST_F(JwtTest, RejectsMalformedJson) {
  std::string claims = ValidClaims().dump();
  ExpectRejected(SignRaw(signing_key_, ValidHeader().dump(), claims.substr(1)), "malformed JSON");
  ExpectRejected(SignRaw(signing_key_, ValidHeader().dump(), claims + "x"), "malformed JSON");
  ExpectRejected(SignRaw(signing_key_, ValidHeader().dump(), claims + "{}"), "malformed JSON");
  ExpectRejected(SignRaw(signing_key_, ValidHeader().dump() + "x", claims), "malformed JSON");
  ExpectRejected(SignRaw(signing_key_, "{\"alg\":\"EdDSA\",", claims), "malformed JSON");
}

TEST_F(JwtTest, RejectsDuplicateMemberNames) {
  std::string claims = ValidClaims().dump();
  std::string duplicate_sub = "{\"sub\":\"1\"," + claims.substr(1);
  ExpectRejected(SignRaw(signing_key_, ValidHeader().dump(), duplicate_sub), "duplicate");
  std::string duplicate_alg = R"({"alg":"EdDSA","kid":"current","alg":"none"})";
  ExpectRejected(SignRaw(signing_key_, duplicate_alg, claims), "duplicate");
  std::string duplicate_kid = R"({"alg":"EdDSA","kid":"x","kid":"current"})";
  ExpectRejected(SignRaw(signing_key_, duplicate_kid, claims), "duplicate");
}

TEST_F(JwtTest, RejectsNonObjectJson) {
  for (const char* payload : {"[]", "\"claims\"", "42", "null"}) {
    ExpectRejected(SignRaw(signing_key_, ValidHeader().dump(), payload), "not an object");
  }
  ExpectRejected(SignRaw(signing_key_, "[\"EdDSA\"]", ValidClaims().dump()), "not an object");
}

TEST_F(JwtTest, RejectsMissingClaims) {
  for (const char* name : {"iss", "aud", "sub", "iat", "nbf", "exp", "jti"}) {
    Json claims = ValidClaims();
    claims.erase(name);
    ExpectRejected(Sign(ValidHeader(), claims), std::string("missing claim ") + name);
  }
}

TEST_F(JwtTest, RejectsWrongClaimTypes) {
  const std::vector<std::pair<std::string, Json>> cases = {
      {"iss", 1},
      {"aud", Json::array({kAudience})},
      {"sub", 42},
      {"sub", ""},
      {"jti", nullptr},
      {"exp", std::to_string(kStart + 900)},
      {"exp", kStart + 900.5},
      {"exp", static_cast<double>(kStart + 900)},
      {"exp", 18446744073709551615u},
      {"iat", true},
      {"nbf", Json::object()},
      {"amr", "pwd"},
      {"amr", Json::array({1})},
      {"amr", Json::array({"PWD"})},
      {"amr", Json::array({"pwd", "otp", "a", "b", "c", "d", "e", "f", "g"})},
  };
  for (const auto& [name, value] : cases) {
    Json claims = ValidClaims();
    claims[name] = value;
    ExpectRejected(Sign(ValidHeader(), claims), "claim " + name);
  }
}

}  // namespace
}  // namespace auth::token_testing
