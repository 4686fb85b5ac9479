// Random opaque tokens: what a client presents back to prove it holds something the service
// gave it (a refresh token today; recovery and verification tokens later). Store only their
// digest (sha256.h).
//
//   absl::StatusOr<std::string> token = NewRandomToken();   // 32 bytes: 43 base64url characters
//   if (!token.ok()) return token.status();                 // the CSPRNG failed
#ifndef LIBS_CRYPTO_RANDOM_TOKEN_H_
#define LIBS_CRYPTO_RANDOM_TOKEN_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace auth::crypto {

// Random bytes in a token by default: 256 bits, beyond any guessing.
inline constexpr size_t kRandomTokenBytes = 32;

// `bytes` (1 to 1024) from the CSPRNG (RAND_bytes), base64url without padding.
// kInvalidArgument for a size out of range; kInternal if the generator fails.
absl::StatusOr<std::string> NewRandomToken(size_t bytes = kRandomTokenBytes);

}  // namespace auth::crypto

#endif  // LIBS_CRYPTO_RANDOM_TOKEN_H_
