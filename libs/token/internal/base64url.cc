// Strict base64url on top of abseil's lenient codec.
#include "libs/token/internal/base64url.h"

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"

namespace auth::token::internal {
namespace {

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

std::string Base64UrlEncode(absl::string_view bytes) { return absl::WebSafeBase64Escape(bytes); }

absl::StatusOr<std::string> Base64UrlDecode(absl::string_view text) {
  for (char c : text) {
    if (!IsBase64UrlChar(c)) {
      return absl::InvalidArgumentError("base64url: character outside the alphabet");
    }
  }
  // A single leftover character can never encode a whole byte.
  if (text.size() % 4 == 1) return absl::InvalidArgumentError("base64url: impossible length");
  std::string bytes;
  if (!absl::WebSafeBase64Unescape(text, &bytes)) {
    return absl::InvalidArgumentError("base64url: undecodable");
  }
  // With the alphabet and length checked, the only other spelling abseil accepts is one whose
  // unused trailing bits are not zero; re-encoding exposes it.
  if (absl::WebSafeBase64Escape(bytes) != text) {
    return absl::InvalidArgumentError("base64url: non-canonical trailing bits");
  }
  return bytes;
}

}  // namespace auth::token::internal
