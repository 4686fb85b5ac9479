// JwtIssuer / JwtVerifier: the TokenIssuer and TokenVerifier of token.h as compact JWS JWTs
// (RFC 7519) signed with EdDSA (Ed25519) or HS256.
//
//   KeySet keys = ...;  // see key_set.h
//   JwtOptions options;
//   options.issuer = "auth";
//   options.audience = "api";
//   JwtIssuer issuer(keys, options);
//   JwtVerifierOptions verifier_options;
//   verifier_options.issuer = "auth";
//   verifier_options.audience = "api";
//   JwtVerifier verifier(keys, verifier_options);
//   absl::StatusOr<IssuedToken> issued = issuer.Issue("42");
//   absl::StatusOr<TokenClaims> claims = verifier.Verify(issued->token);
//
// Keys that rotate while the process runs come from a KeySetSource (rotating_key_set.h), asked
// on every call: the issuer signs with its current signing key, the verifier accepts its keys.
//
// Tokens look like header {"alg":"EdDSA","kid":"...","typ":"JWT"} and claims
// {"iss","aud","sub","iat","nbf","exp","jti"}. The verifier is strict: the algorithm comes from
// the key that `kid` names (the header's "alg" must merely agree), every claim above is
// required with its exact JSON type, duplicate member names and non-canonical base64url are
// rejected. Both classes are thread-safe.
#ifndef LIBS_TOKEN_JWT_H_
#define LIBS_TOKEN_JWT_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/token/key_set.h"
#include "libs/token/key_set_source.h"
#include "libs/token/token.h"

namespace auth::token {

// The current time; tests inject a fake one. Empty means absl::Now.
using Clock = std::function<absl::Time()>;

struct JwtOptions {
  std::string issuer;    // iss
  std::string audience;  // aud
  // exp - iat; whole seconds, at least one.
  absl::Duration lifetime = absl::Minutes(15);
  Clock clock;
};

struct JwtVerifierOptions {
  std::string issuer;    // iss must equal this
  std::string audience;  // aud must equal this
  // Tolerated clock skew between issuer and verifier, applied to exp, nbf and iat.
  absl::Duration leeway = absl::Seconds(30);
  // Longer tokens are rejected before any parsing.
  std::size_t max_token_bytes = 4096;
  Clock clock;
};

class JwtIssuer : public TokenIssuer {
 public:
  // `keys` must have a signing key (CHECKed), and `options.lifetime` must be >= 1 s.
  JwtIssuer(KeySet keys, JwtOptions options);
  // Signs with `keys->Current()`'s signing key at each call (kFailedPrecondition if none).
  JwtIssuer(std::shared_ptr<const KeySetSource> keys, JwtOptions options);

  // kInvalidArgument for an empty or non-UTF-8 subject, or amr values out of bounds.
  using TokenIssuer::Issue;
  absl::StatusOr<IssuedToken> Issue(absl::string_view subject,
                                    const std::vector<std::string>& amr) const override;
  absl::Duration lifetime() const override { return options_.lifetime; }

 private:
  std::shared_ptr<const KeySetSource> keys_;
  JwtOptions options_;
};

class JwtVerifier : public TokenVerifier {
 public:
  JwtVerifier(KeySet keys, JwtVerifierOptions options);
  // Accepts the keys of `keys->Current()` at each call.
  JwtVerifier(std::shared_ptr<const KeySetSource> keys, JwtVerifierOptions options);

  // Takes untrusted bytes. Every rejection is kUnauthenticated with a message naming the check
  // that failed, never any part of the token.
  absl::StatusOr<TokenClaims> Verify(absl::string_view token) const override;

 private:
  std::shared_ptr<const KeySetSource> keys_;
  JwtVerifierOptions options_;
};

}  // namespace auth::token

#endif  // LIBS_TOKEN_JWT_H_
