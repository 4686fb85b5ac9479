// NewRandomToken; see random_token.h.
#include "libs/crypto/random_token.h"

#include <openssl/rand.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"

namespace auth::crypto {

absl::StatusOr<std::string> NewRandomToken(size_t bytes) {
  if (bytes == 0 || bytes > 1024) {
    return absl::InvalidArgumentError("a random token has 1 to 1024 bytes");
  }
  std::vector<unsigned char> random(bytes);
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return absl::InternalError("random generator failed");
  }
  return absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(random.data()), random.size()));
}

}  // namespace auth::crypto
