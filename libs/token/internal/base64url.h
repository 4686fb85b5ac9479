// Strict base64url (RFC 4648 section 5, no padding) as JWS compact serialization requires.
//
//   std::string text = Base64UrlEncode(bytes);
//   absl::StatusOr<std::string> bytes = Base64UrlDecode(text);  // rejects "QQ==", "QR", "Q Q"
//
// abseil's WebSafeBase64Unescape is lenient: it accepts padding, skips whitespace and ignores
// non-zero trailing bits. A token has exactly one valid spelling, so anything else is rejected.
#ifndef LIBS_TOKEN_INTERNAL_BASE64URL_H_
#define LIBS_TOKEN_INTERNAL_BASE64URL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::token::internal {

// Encodes `bytes` as unpadded base64url.
std::string Base64UrlEncode(absl::string_view bytes);

// Decodes canonical unpadded base64url; kInvalidArgument for padding, characters outside
// [A-Za-z0-9_-], an impossible length or non-zero trailing bits. The message never echoes input.
absl::StatusOr<std::string> Base64UrlDecode(absl::string_view text);

}  // namespace auth::token::internal

#endif  // LIBS_TOKEN_INTERNAL_BASE64URL_H_
