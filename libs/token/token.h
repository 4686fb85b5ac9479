// TokenIssuer / TokenVerifier: signed JWT access tokens (compact JWS).
//
//   absl::StatusOr<IssuedToken> issued = issuer->Issue("42");
//   absl::StatusOr<TokenClaims> claims = verifier->Verify(issued->token);
//   // claims->subject == "42", claims->jwt_id identifies the server-side session.
//
// Every rejection by Verify() is kUnauthenticated, with a message that names the check that
// failed (never the token itself).
//
// A caller that needs the token's SHA-256 anyway (the auth service stores it in the session row)
// hashes it once and hands the digest to a PrehashedTokenVerifier (token_digest.h computes it):
//
//   const TokenDigest digest = DigestToken(token);
//   absl::StatusOr<TokenClaims> claims = verifier->VerifyPrehashed(token, digest);
#ifndef LIBS_TOKEN_TOKEN_H_
#define LIBS_TOKEN_TOKEN_H_

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace auth::token {

// The registered claims this service issues and checks (RFC 7519 section 4.1).
struct TokenClaims {
  std::string issuer;     // iss
  std::string audience;   // aud
  std::string subject;    // sub: the user id, in decimal
  std::string jwt_id;     // jti: random, unique per token; the session id
  absl::Time issued_at;   // iat
  absl::Time not_before;  // nbf
  absl::Time expires_at;  // exp
  std::string key_id;     // kid of the key that signed it (from the header)
  // amr (RFC 8176): how the subject authenticated, e.g. {"pwd", "otp"}; optional, empty when
  // the token has none.
  std::vector<std::string> amr;
};

// At most this many amr values, each 1-16 of [a-z0-9_] (RFC 8176's are short lowercase words):
// an issuer refuses more, a verifier rejects a token that carries more.
inline constexpr size_t kMaxAmrValues = 8;
inline constexpr size_t kMaxAmrValueLength = 16;

// The SHA-256 of a token: the key under which it is stored and cached, never the token itself.
using TokenDigest = std::array<unsigned char, 32>;

struct IssuedToken {
  std::string token;  // the compact JWS
  TokenClaims claims;
};

class TokenIssuer {
 public:
  virtual ~TokenIssuer() = default;

  // Signs a fresh token for `subject` with the current signing key, carrying `amr` (no amr
  // claim when empty). kInvalidArgument for amr values breaking the bounds above.
  virtual absl::StatusOr<IssuedToken> Issue(absl::string_view subject,
                                            const std::vector<std::string>& amr) const = 0;
  // The same without amr.
  absl::StatusOr<IssuedToken> Issue(absl::string_view subject) const { return Issue(subject, {}); }

  // How long issued tokens are valid.
  virtual absl::Duration lifetime() const = 0;
};

class TokenVerifier {
 public:
  virtual ~TokenVerifier() = default;

  // Checks signature, algorithm, issuer, audience and validity period of `token`.
  virtual absl::StatusOr<TokenClaims> Verify(absl::string_view token) const = 0;
};

// A TokenVerifier that can reuse the token's digest its caller has computed already, instead of
// hashing the token again (CachingTokenVerifier keys its verdicts by that digest).
class PrehashedTokenVerifier : public TokenVerifier {
 public:
  // Verify(token), given `digest` == DigestToken(token). A wrong digest is the caller's bug:
  // it may return the verdict cached for another token.
  virtual absl::StatusOr<TokenClaims> VerifyPrehashed(absl::string_view token,
                                                      const TokenDigest& digest) const = 0;
};

}  // namespace auth::token

#endif  // LIBS_TOKEN_TOKEN_H_
