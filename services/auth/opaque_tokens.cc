// Refresh token generation and token digests; see opaque_tokens.h.
#include "services/auth/opaque_tokens.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"

namespace auth::service {

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

absl::StatusOr<std::string> NewRefreshToken() {
  unsigned char bytes[kRefreshTokenBytes];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return absl::InternalError("random generator failed");
  }
  return absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

}  // namespace auth::service
