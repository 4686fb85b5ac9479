// RememberingTokenIssuer; see remembering_token_issuer.h.
#include "libs/token/remembering_token_issuer.h"

namespace auth::token {

absl::StatusOr<IssuedToken> RememberingTokenIssuer::Issue(absl::string_view subject) const {
  absl::StatusOr<IssuedToken> issued = inner_.Issue(subject);
  if (issued.ok()) verifier_.Remember(issued->token, issued->claims);
  return issued;
}

}  // namespace auth::token
