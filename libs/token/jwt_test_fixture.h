// JwtTest: the fixture shared by the issuer and verifier tests of libs/token/jwt.h.
//
// It holds the RFC 8037 Ed25519 key as the signing key, a clock the test moves by hand, and
// helpers that build tokens the issuer never would (any header, any claims), so each rejection
// test departs from a valid token by one change.
#ifndef LIBS_TOKEN_JWT_TEST_FIXTURE_H_
#define LIBS_TOKEN_JWT_TEST_FIXTURE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/token/jwt.h"
#include "libs/token/key.h"
#include "libs/token/key_set.h"
#include "libs/token/token.h"
#include "nlohmann/json.hpp"

namespace auth::token_testing {

using Json = nlohmann::json;

inline constexpr char kIssuer[] = "auth.example";
inline constexpr char kAudience[] = "api.example";
inline constexpr int64_t kStart = 1700000000;

// RFC 8037 Appendix A.1 and A.4.
inline constexpr char kRfc8037D[] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
inline constexpr char kRfc8037X[] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
inline constexpr char kRfc8037Jws[] =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

// RFC 7515 Appendix A.1.
inline constexpr char kRfc7515Key[] =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
inline constexpr char kRfc7515Jws[] =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
    "fQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

// Base64url-decodes `text`, which the test knows to be valid.
std::string Decode(absl::string_view text);

// The value of `key`, expecting it to be OK.
token::Key MustKey(absl::StatusOr<token::Key> key);

// The value of `keys`, expecting it to be OK.
token::KeySet MustKeySet(absl::StatusOr<token::KeySet> keys);

// Signs arbitrary header and payload text, so tests can build tokens the issuer never would.
std::string SignRaw(const token::Key& key, const std::string& header, const std::string& payload);

class JwtTest : public ::testing::Test {
 protected:
  JwtTest();

  // A clock that reads now_, which tests move by hand.
  token::Clock clock();
  token::JwtOptions IssuerOptions();
  token::JwtVerifierOptions VerifierOptions();
  token::JwtVerifier Verifier();

  // A header and claims that verify; tests change one thing to see it rejected.
  Json ValidHeader();
  Json ValidClaims();
  std::string Sign(const Json& header, const Json& claims);

  // Expects kUnauthenticated naming `check`, with no part of the token in the message.
  void ExpectRejected(const std::string& token, const std::string& check);

  absl::Time now_ = absl::FromUnixSeconds(kStart);
  token::Key signing_key_;
  token::KeySet keys_;
};

}  // namespace auth::token_testing

#endif  // LIBS_TOKEN_JWT_TEST_FIXTURE_H_
