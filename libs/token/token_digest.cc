// DigestToken / DigestHex; see token_digest.h.
#include "libs/token/token_digest.h"

#include <string>

#include "absl/strings/string_view.h"
#include "libs/crypto/sha256.h"

namespace auth::token {

static_assert(sizeof(TokenDigest) == sizeof(crypto::Sha256Digest),
              "TokenDigest must hold a SHA-256");

TokenDigest DigestToken(absl::string_view token) { return crypto::Sha256(token); }

std::string DigestHex(const TokenDigest& digest) { return crypto::HexDigest(digest); }

}  // namespace auth::token
