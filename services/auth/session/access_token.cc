// VerifyAccessToken; see access_token.h.
#include "services/auth/session/access_token.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "libs/authn/user_id.h"
#include "libs/token/token_digest.h"

namespace auth::service {

absl::StatusOr<VerifiedAccessToken> VerifyAccessToken(const token::PrehashedTokenVerifier& verifier,
                                                      absl::string_view token) {
  const token::TokenDigest digest = token::DigestToken(token);
  absl::StatusOr<token::TokenClaims> claims = verifier.VerifyPrehashed(token, digest);
  if (!claims.ok()) return absl::UnauthenticatedError(claims.status().message());
  const std::optional<int32_t> user_id = authn::UserIdFromSubject(claims->subject);
  if (!user_id.has_value()) return absl::UnauthenticatedError("token subject is not a user id");
  VerifiedAccessToken verified;
  verified.claims = *std::move(claims);
  verified.user_id = *user_id;
  verified.token_hash = token::DigestHex(digest);
  return verified;
}

}  // namespace auth::service
