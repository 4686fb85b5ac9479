// Sha256, HexDigest, Sha256Hex; see sha256.h.
#include "libs/crypto/sha256.h"

#include <openssl/sha.h>

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"

namespace auth::crypto {

static_assert(sizeof(Sha256Digest) == SHA256_DIGEST_LENGTH, "Sha256Digest must hold a SHA-256");

Sha256Digest Sha256(absl::string_view data) {
  Sha256Digest digest;
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
  return digest;
}

std::string HexDigest(const Sha256Digest& digest) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::string Sha256Hex(absl::string_view data) { return HexDigest(Sha256(data)); }

}  // namespace auth::crypto
