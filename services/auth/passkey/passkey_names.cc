// NewCeremonyId, NewPasskeyId, ValidatePasskeyName; see passkey_names.h.
#include "services/auth/passkey/passkey_names.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/token/internal/base64url.h"
#include "libs/webauthn/options.h"

namespace auth::service {
namespace {

absl::StatusOr<std::string> RandomName(size_t bytes) {
  absl::StatusOr<std::string> random = webauthn::NewRandomBytes(bytes);
  if (!random.ok()) return random.status();
  return token::internal::Base64UrlEncode(*random);
}

}  // namespace

absl::StatusOr<std::string> NewCeremonyId() { return RandomName(32); }
absl::StatusOr<std::string> NewPasskeyId() { return RandomName(16); }

absl::Status ValidatePasskeyName(absl::string_view name) {
  const absl::Status bad = absl::InvalidArgumentError("name must be 1-64 characters of UTF-8 text");
  size_t characters = 0;
  for (size_t i = 0; i < name.size();) {
    const auto lead = static_cast<uint8_t>(name[i]);
    size_t length = 0;
    uint32_t code_point = 0;
    if (lead < 0x80) {
      length = 1;
      code_point = lead;
    } else if ((lead & 0xe0) == 0xc0) {
      length = 2;
      code_point = lead & 0x1f;
    } else if ((lead & 0xf0) == 0xe0) {
      length = 3;
      code_point = lead & 0x0f;
    } else if ((lead & 0xf8) == 0xf0) {
      length = 4;
      code_point = lead & 0x07;
    } else {
      return bad;
    }
    if (i + length > name.size()) return bad;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<uint8_t>(name[i + k]);
      if ((next & 0xc0) != 0x80) return bad;
      code_point = (code_point << 6) | (next & 0x3f);
    }
    // Overlong forms, surrogates and values past Unicode are not UTF-8.
    static constexpr uint32_t kMinOfLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kMinOfLength[length] || code_point > 0x10ffff ||
        (code_point >= 0xd800 && code_point <= 0xdfff)) {
      return bad;
    }
    if (code_point < 0x20 || code_point == 0x7f) return bad;
    i += length;
    ++characters;
  }
  if (characters == 0 || characters > 64) return bad;
  return absl::OkStatus();
}

}  // namespace auth::service
