// The otpauth URI an authenticator app scans to enrol a TOTP secret (Google Authenticator's
// "Key Uri Format", which every app follows):
//
//   otpauth://totp/Example%20Corp:alice%40example.com?secret=JBSWY3DPEHPK3PXP
//       &issuer=Example%20Corp&algorithm=SHA1&digits=6&period=30
//
//   absl::StatusOr<std::string> uri = BuildOtpauthUri({.issuer = "Example Corp",
//                                                      .account = email, .secret = secret});
//
// The issuer appears twice on purpose: old apps read the label's prefix, new ones the parameter.
// The parameters that are the defaults anyway (SHA1, 6, 30) are spelled out because a few apps
// guess otherwise when they are missing.
#ifndef LIBS_OTP_OTPAUTH_URI_H_
#define LIBS_OTP_OTPAUTH_URI_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::otp {

struct OtpauthUri {
  std::string issuer;   // who the account is with (--totp_issuer); no ':'
  std::string account;  // which account, as the user knows it (an email address)
  std::string secret;   // the raw secret bytes (base32 in the URI)
};

// The URI for `uri`'s fields; issuer and account are percent-encoded (RFC 3986: all but
// A-Z a-z 0-9 - . _ ~), the secret is base32 without padding. kInvalidArgument if the issuer
// or the account is empty, or the issuer contains ':' (the label's separator; apps split the
// label at its first colon, so an account may contain one).
absl::StatusOr<std::string> BuildOtpauthUri(const OtpauthUri& uri);

// Reads back a URI of the form BuildOtpauthUri writes: type totp; label "issuer:account" or
// "account"; parameters secret (required), issuer (equal to the label's, if both are given),
// algorithm=SHA1, digits=6, period=30, each at most once, no others. kInvalidArgument,
// naming what is wrong, for anything else. For tests (what a scanned QR code says) and fuzzing;
// the service only writes these URIs.
absl::StatusOr<OtpauthUri> ParseOtpauthUri(absl::string_view uri);

// RFC 3986 percent-encoding of every byte but the unreserved characters, with uppercase hex.
std::string PercentEncode(absl::string_view text);

// The bytes `text` percent-encodes; kInvalidArgument for a '%' not followed by two hex digits.
absl::StatusOr<std::string> PercentDecode(absl::string_view text);

}  // namespace auth::otp

#endif  // LIBS_OTP_OTPAUTH_URI_H_
