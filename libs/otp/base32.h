// RFC 4648 base32 (the alphabet A-Z2-7) as authenticator apps exchange TOTP secrets.
//
//   std::string text = Base32Encode(secret);             // "JBSWY3DPEHPK3PXP", no padding
//   absl::StatusOr<std::string> secret = Base32Decode("jbsw y3dp ehpk 3pxp");
//
// Encoding writes no padding: the otpauth URI format leaves it out, and some apps refuse "=".
// Decoding takes what a person copies or types: lowercase, spaces (apps and pages group the
// secret by fours) and a complete padding are accepted; anything else is refused with a message
// that names the problem but never echoes the input (it is a secret).
#ifndef LIBS_OTP_BASE32_H_
#define LIBS_OTP_BASE32_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::otp {

// `bytes` in uppercase base32 without padding.
std::string Base32Encode(absl::string_view bytes);

// The bytes `text` encodes. Case-insensitive; ASCII spaces anywhere are skipped; padding ("=")
// is optional but, when present, must be complete and last. kInvalidArgument for any other
// character, a length no byte string encodes (1, 3 or 6 characters in the last group), non-zero
// unused bits in the last character (a mistyped or truncated secret), or nothing at all.
absl::StatusOr<std::string> Base32Decode(absl::string_view text);

}  // namespace auth::otp

#endif  // LIBS_OTP_BASE32_H_
