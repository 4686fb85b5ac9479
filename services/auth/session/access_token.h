// The checks of a presented access token that need no database: its signature and claims, and a
// subject that is an API user id. What is left is the session's own check (the database's).
//
//   absl::StatusOr<VerifiedAccessToken> verified = VerifyAccessToken(verifier, token);
//   if (!verified.ok()) return verified.status();      // kUnauthenticated, no token in it
//   sessions->FindActiveMany({verified->claims.jwt_id}) ... compare verified->token_hash
#ifndef SERVICES_AUTH_SESSION_ACCESS_TOKEN_H_
#define SERVICES_AUTH_SESSION_ACCESS_TOKEN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/token/token.h"

namespace auth::service {

struct VerifiedAccessToken {
  token::TokenClaims claims;
  int32_t user_id = 0;
  // The token's SHA-256 in hex: what its session row stores.
  std::string token_hash;
};

// Hashes `token` once (the digest keys the verifier's verdict cache and is what the session row
// stores) and verifies it: signature checks are microseconds, cheap enough for a gRPC thread.
// kUnauthenticated if the token is not valid or its subject is not a user id.
absl::StatusOr<VerifiedAccessToken> VerifyAccessToken(const token::PrehashedTokenVerifier& verifier,
                                                      absl::string_view token);

}  // namespace auth::service

#endif  // SERVICES_AUTH_SESSION_ACCESS_TOKEN_H_
