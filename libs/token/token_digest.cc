// DigestToken / DigestHex; see token_digest.h.
#include "libs/token/token_digest.h"

#include <openssl/sha.h>

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"

namespace auth::token {

static_assert(sizeof(TokenDigest) == SHA256_DIGEST_LENGTH, "TokenDigest must hold a SHA-256");

TokenDigest DigestToken(absl::string_view token) {
  TokenDigest digest;
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest.data());
  return digest;
}

std::string DigestHex(const TokenDigest& digest) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

}  // namespace auth::token
