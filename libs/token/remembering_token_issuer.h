// RememberingTokenIssuer: a TokenIssuer decorator that tells a CachingTokenVerifier of every
// token it issues, so the first check of a token this process signed skips the signature.
//
//   JwtIssuer jwt(keys, issuer_options);
//   CachingTokenVerifier verifier(jwt_verifier, /*capacity=*/65536);
//   RememberingTokenIssuer issuer(jwt, verifier);
//   absl::StatusOr<IssuedToken> issued = issuer.Issue("42");
//   verifier.Verify(issued->token);  // a cache hit: no signature check
//
// This keeps the concrete cache out of the code that issues tokens: it sees a TokenIssuer only.
// Sound because the issuer vouches for what it signed (see CachingTokenVerifier::Remember):
// the verifier must accept the inner issuer's tokens (same keys, issuer and audience).
#ifndef LIBS_TOKEN_REMEMBERING_TOKEN_ISSUER_H_
#define LIBS_TOKEN_REMEMBERING_TOKEN_ISSUER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/token/caching_token_verifier.h"
#include "libs/token/token.h"

namespace auth::token {

class RememberingTokenIssuer : public TokenIssuer {
 public:
  // Neither is owned; both must outlive this object.
  RememberingTokenIssuer(const TokenIssuer& inner, CachingTokenVerifier& verifier)
      : inner_(inner), verifier_(verifier) {}

  RememberingTokenIssuer(const RememberingTokenIssuer&) = delete;
  RememberingTokenIssuer& operator=(const RememberingTokenIssuer&) = delete;

  // The inner issuer's token, remembered by the verifier when it was issued.
  using TokenIssuer::Issue;
  absl::StatusOr<IssuedToken> Issue(absl::string_view subject,
                                    const std::vector<std::string>& amr) const override;

  // The inner issuer's lifetime.
  absl::Duration lifetime() const override { return inner_.lifetime(); }

 private:
  const TokenIssuer& inner_;
  CachingTokenVerifier& verifier_;
};

}  // namespace auth::token

#endif  // LIBS_TOKEN_REMEMBERING_TOKEN_ISSUER_H_
