#include "libs/token/jwt.h"

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
#include "libs/token/key.h"
#include "libs/token/key_set.h"
#include "libs/token/token.h"
#include "nlohmann/json.hpp"

namespace auth::token {
namespace {

using ::auth::testing::IsOk;
using ::auth::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

constexpr char kIssuer[] = "auth.example";
constexpr char kAudience[] = "api.example";
constexpr int64_t kStart = 1700000000;

// RFC 8037 Appendix A.1 and A.4.
constexpr char kRfc8037D[] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
constexpr char kRfc8037X[] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
constexpr char kRfc8037Jws[] =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

// RFC 7515 Appendix A.1.
constexpr char kRfc7515Key[] =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
constexpr char kRfc7515Jws[] =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
    "fQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

std::string Decode(absl::string_view text) { return internal::Base64UrlDecode(text).value(); }

Key MustKey(absl::StatusOr<Key> key) {
  EXPECT_THAT(key, IsOk());
  return *std::move(key);
}

KeySet MustKeySet(absl::StatusOr<KeySet> keys) {
  EXPECT_THAT(keys, IsOk());
  return *std::move(keys);
}

// Signs arbitrary header and payload text, so tests can build tokens the issuer never would.
std::string SignRaw(const Key& key, const std::string& header, const std::string& payload) {
  std::string signing_input = internal::MakeSigningInput(header, payload);
  return internal::AppendSignature(signing_input, key.Sign(signing_input).value());
}

class JwtTest : public ::testing::Test {
 protected:
  JwtTest()
      : signing_key_(MustKey(Key::Ed25519FromSeed("current", Decode(kRfc8037D)))),
        keys_(MustKeySet(KeySet::Create(signing_key_, {}))) {}

  Clock clock() {
    return [this] { return now_; };
  }
  JwtOptions IssuerOptions() {
    JwtOptions options;
    options.issuer = kIssuer;
    options.audience = kAudience;
    options.clock = clock();
    return options;
  }
  JwtVerifierOptions VerifierOptions() {
    JwtVerifierOptions options;
    options.issuer = kIssuer;
    options.audience = kAudience;
    options.clock = clock();
    return options;
  }
  JwtVerifier Verifier() { return JwtVerifier(keys_, VerifierOptions()); }

  Json ValidHeader() { return Json{{"alg", "EdDSA"}, {"kid", "current"}, {"typ", "JWT"}}; }
  Json ValidClaims() {
    int64_t now = absl::ToUnixSeconds(now_);
    return Json{{"iss", kIssuer}, {"aud", kAudience}, {"sub", "42"},      {"iat", now},
                {"nbf", now},     {"exp", now + 900}, {"jti", "abcdefgh"}};
  }
  std::string Sign(const Json& header, const Json& claims) {
    return SignRaw(signing_key_, header.dump(), claims.dump());
  }

  // Expects kUnauthenticated naming `check`, with no part of the token in the message.
  void ExpectRejected(const std::string& token, const std::string& check) {
    absl::StatusOr<TokenClaims> claims = Verifier().Verify(token);
    EXPECT_THAT(claims, StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr(check)));
    for (absl::string_view part : absl::StrSplit(token, '.')) {
      if (part.size() >= 8) {
        EXPECT_THAT(std::string(claims.status().message()), Not(HasSubstr(std::string(part))));
      }
    }
  }

  absl::Time now_ = absl::FromUnixSeconds(kStart);
  Key signing_key_;
  KeySet keys_;
};

TEST_F(JwtTest, IssuedTokenVerifies) {
  JwtIssuer issuer(keys_, IssuerOptions());
  EXPECT_EQ(issuer.lifetime(), absl::Minutes(15));
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, issuer.Issue("42"));
  EXPECT_EQ(issued.claims.subject, "42");
  EXPECT_EQ(issued.claims.issuer, kIssuer);
  EXPECT_EQ(issued.claims.audience, kAudience);
  EXPECT_EQ(issued.claims.key_id, "current");
  EXPECT_EQ(issued.claims.issued_at, now_);
  EXPECT_EQ(issued.claims.not_before, now_);
  EXPECT_EQ(issued.claims.expires_at, now_ + absl::Minutes(15));

  ASSERT_OK_AND_ASSIGN(TokenClaims claims, Verifier().Verify(issued.token));
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
  JwtIssuer issuer(keys_, IssuerOptions());
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, issuer.Issue("7"));
  ASSERT_OK_AND_ASSIGN(internal::CompactJws jws, internal::ParseCompactJws(issued.token));
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
  JwtOptions options = IssuerOptions();
  options.lifetime = absl::Minutes(5);
  JwtIssuer issuer(keys_, options);
  EXPECT_EQ(issuer.lifetime(), absl::Minutes(5));
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, issuer.Issue("42"));
  EXPECT_EQ(issued.claims.expires_at - issued.claims.issued_at, absl::Minutes(5));
}

TEST_F(JwtTest, JwtIdsAreUnique) {
  JwtIssuer issuer(keys_, IssuerOptions());
  absl::flat_hash_set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_OK_AND_ASSIGN(IssuedToken issued, issuer.Issue("42"));
    EXPECT_TRUE(ids.insert(issued.claims.jwt_id).second) << "repeated jti";
  }
}

TEST_F(JwtTest, Hs256TokensVerify) {
  Key hmac = MustKey(Key::Hs256("hmac", std::string(32, 'k')));
  KeySet keys = MustKeySet(KeySet::Create(hmac, {}));
  JwtIssuer issuer(keys, IssuerOptions());
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, issuer.Issue("42"));
  ASSERT_OK_AND_ASSIGN(internal::CompactJws jws, internal::ParseCompactJws(issued.token));
  EXPECT_EQ(jws.header["alg"], "HS256");
  ASSERT_OK_AND_ASSIGN(TokenClaims claims,
                       JwtVerifier(keys, VerifierOptions()).Verify(issued.token));
  EXPECT_EQ(claims.key_id, "hmac");
  // A different secret under the same kid must not verify.
  KeySet other = MustKeySet(KeySet::Create(MustKey(Key::Hs256("hmac", std::string(32, 'x'))), {}));
  EXPECT_THAT(JwtVerifier(other, VerifierOptions()).Verify(issued.token),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("bad signature")));
}

TEST_F(JwtTest, VerifiesWithThePublicKeyAlone) {
  JwtIssuer issuer(keys_, IssuerOptions());
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, issuer.Issue("42"));
  Key public_key = MustKey(Key::Ed25519FromPublicBytes("current", Decode(kRfc8037X)));
  KeySet public_keys = MustKeySet(KeySet::Create(std::nullopt, {public_key}));
  EXPECT_THAT(JwtVerifier(public_keys, VerifierOptions()).Verify(issued.token), IsOk());
}

TEST_F(JwtTest, Rfc8037ExampleVerifiesAndIsReproduced) {
  // A.5: the example verifies with the public key. It has no kid, so it is checked at the JWS
  // layer; the full verifier must refuse it for exactly that reason.
  Key public_key = MustKey(Key::Ed25519FromPublicBytes("rfc", Decode(kRfc8037X)));
  ASSERT_OK_AND_ASSIGN(internal::CompactJws jws, internal::ParseCompactJws(kRfc8037Jws));
  EXPECT_EQ(jws.header, (Json{{"alg", "EdDSA"}}));
  EXPECT_EQ(jws.payload, "Example of Ed25519 signing");
  EXPECT_TRUE(public_key.Verify(jws.signing_input, jws.signature));
  // A.4: Ed25519 is deterministic, so our signer reproduces the whole JWS byte for byte.
  EXPECT_EQ(SignRaw(signing_key_, R"({"alg":"EdDSA"})", "Example of Ed25519 signing"), kRfc8037Jws);
  ExpectRejected(kRfc8037Jws, "kid is missing");
}

TEST_F(JwtTest, Rfc7515HmacExampleVerifiesAtTheJwsLayer) {
  Key key = MustKey(Key::Hs256("rfc", Decode(kRfc7515Key)));
  ASSERT_OK_AND_ASSIGN(internal::CompactJws jws, internal::ParseCompactJws(kRfc7515Jws));
  EXPECT_EQ(jws.header["alg"], "HS256");
  EXPECT_TRUE(key.Verify(jws.signing_input, jws.signature));
  Json claims = Json::parse(jws.payload);
  EXPECT_EQ(claims["iss"], "joe");
  EXPECT_EQ(claims["exp"], 1300819380);
  std::string tampered = jws.signing_input;
  tampered[tampered.size() - 3] ^= 1;
  EXPECT_FALSE(key.Verify(tampered, jws.signature));
  // No kid, no aud: the full verifier refuses it even with the clock before its exp.
  KeySet keys = MustKeySet(KeySet::Create(key, {}));
  now_ = absl::FromUnixSeconds(1300819000);
  EXPECT_THAT(JwtVerifier(keys, VerifierOptions()).Verify(kRfc7515Jws),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("kid is missing")));
}

TEST_F(JwtTest, KeyRotation) {
  Key old_key = MustKey(Key::GenerateEd25519("old"));
  JwtIssuer old_issuer(MustKeySet(KeySet::Create(old_key, {})), IssuerOptions());
  ASSERT_OK_AND_ASSIGN(IssuedToken old_token, old_issuer.Issue("42"));

  Key old_public = MustKey(Key::Ed25519FromPublicBytes("old", old_key.PublicKeyBytes().value()));
  KeySet rotated = MustKeySet(KeySet::Create(signing_key_, {old_public}));
  JwtIssuer new_issuer(rotated, IssuerOptions());
  ASSERT_OK_AND_ASSIGN(IssuedToken new_token, new_issuer.Issue("43"));
  EXPECT_EQ(new_token.claims.key_id, "current");

  JwtVerifier during(rotated, VerifierOptions());
  ASSERT_OK_AND_ASSIGN(TokenClaims old_claims, during.Verify(old_token.token));
  EXPECT_EQ(old_claims.key_id, "old");
  EXPECT_EQ(old_claims.subject, "42");
  EXPECT_THAT(during.Verify(new_token.token), IsOk());

  JwtVerifier after(keys_, VerifierOptions());  // the old key has been removed
  EXPECT_THAT(after.Verify(old_token.token),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("unknown kid")));
  EXPECT_THAT(after.Verify(new_token.token), IsOk());
}

TEST_F(JwtTest, IssueRejectsBadSubjects) {
  JwtIssuer issuer(keys_, IssuerOptions());
  EXPECT_THAT(issuer.Issue(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(issuer.Issue("\xff\xfe"), StatusIs(absl::StatusCode::kInvalidArgument));
}

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
      internal::MakeSigningInput(header.dump(), ValidClaims().dump()) + ".";
  ExpectRejected(unsigned_token, "alg none");
  ExpectRejected(Sign(header, ValidClaims()), "alg none");
}

TEST_F(JwtTest, TakesTheAlgorithmFromTheKeyNotTheHeader) {
  // The classic confusion attack: HMAC over the token with the public key as the secret.
  Json header = ValidHeader();
  header["alg"] = "HS256";
  Key confused = MustKey(Key::Hs256("current", signing_key_.PublicKeyBytes().value()));
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
  std::string swapped = parts[0] + "." + internal::Base64UrlEncode(claims.dump()) + "." + parts[2];
  ExpectRejected(swapped, "bad signature");
  // Signed by another key that claims our kid.
  Key impostor = MustKey(Key::GenerateEd25519("current"));
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
  JwtIssuer issuer(keys_, IssuerOptions());
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, issuer.Issue(std::string(3500, '9')));
  ASSERT_GT(issued.token.size(), 4096u);
  ExpectRejected(issued.token, "too large");
  JwtVerifierOptions options = VerifierOptions();
  options.max_token_bytes = 8192;
  EXPECT_THAT(JwtVerifier(keys_, options).Verify(issued.token), IsOk());
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
  };
  for (const auto& [name, value] : cases) {
    Json claims = ValidClaims();
    claims[name] = value;
    ExpectRejected(Sign(ValidHeader(), claims), "claim " + name);
  }
}

}  // namespace
}  // namespace auth::token
