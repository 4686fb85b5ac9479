// RememberingTokenIssuer; see remembering_token_issuer.h.
#include "libs/token/remembering_token_issuer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace auth::token {

absl::StatusOr<IssuedToken> RememberingTokenIssuer::Issue(
    absl::string_view subject, const std::vector<std::string>& amr) const {
  // Read before signing: a key reload (and Clear()) while we sign leaves the token unremembered.
  const std::uint64_t generation = verifier_.generation();
  absl::StatusOr<IssuedToken> issued = inner_.Issue(subject, amr);
  if (issued.ok()) verifier_.Remember(issued->token, issued->claims, generation);
  return issued;
}

}  // namespace auth::token
