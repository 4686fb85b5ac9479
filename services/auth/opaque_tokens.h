// Opaque credentials of the service: new refresh tokens, and the digests under which tokens
// are stored.
//
//   absl::StatusOr<std::string> refresh_token = NewRefreshToken();  // 43 base64url characters
//   session.token_hash = Sha256Hex(access_token);                   // 64 lowercase hex digits
//
// The database never sees a token, only its digest: whoever reads it cannot present what they
// read. Plain SHA-256 suffices (no salt, no stretching) because the tokens are random and
// long, not guessable like passwords.
#ifndef SERVICES_AUTH_OPAQUE_TOKENS_H_
#define SERVICES_AUTH_OPAQUE_TOKENS_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::service {

// Random bytes in a refresh token.
inline constexpr size_t kRefreshTokenBytes = 32;
// A bound far above any token we issue, so a hostile request costs nothing to reject.
inline constexpr size_t kMaxRefreshTokenBytes = 256;

// SHA-256 of `data` as lowercase hex.
std::string Sha256Hex(absl::string_view data);

// kRefreshTokenBytes from the CSPRNG (RAND_bytes), base64url without padding. kInternal if the
// generator fails.
absl::StatusOr<std::string> NewRefreshToken();

}  // namespace auth::service

#endif  // SERVICES_AUTH_OPAQUE_TOKENS_H_
