// SHA-256, the one digest under which the service stores and looks up its random tokens (access
// tokens' session rows, refresh tokens, and later recovery and verification tokens).
//
//   const Sha256Digest digest = Sha256(token);     // 32 raw bytes, e.g. a cache key
//   row.token_hash = Sha256Hex(token);              // 64 lowercase hex digits, as stored
//   row.token_hash == HexDigest(digest);            // the same, from a digest already computed
//
// The database never sees a token, only its digest: whoever reads it cannot present what they
// read. Plain SHA-256 suffices (no salt, no stretching) because the tokens are random and long,
// not guessable like passwords.
#ifndef LIBS_CRYPTO_SHA256_H_
#define LIBS_CRYPTO_SHA256_H_

#include <array>
#include <string>

#include "absl/strings/string_view.h"

namespace auth::crypto {

using Sha256Digest = std::array<unsigned char, 32>;

// SHA-256 of `data`.
Sha256Digest Sha256(absl::string_view data);

// `digest` as 64 lowercase hex digits.
std::string HexDigest(const Sha256Digest& digest);

// SHA-256 of `data` as 64 lowercase hex digits: HexDigest(Sha256(data)).
std::string Sha256Hex(absl::string_view data);

}  // namespace auth::crypto

#endif  // LIBS_CRYPTO_SHA256_H_
