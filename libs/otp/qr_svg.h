// A QR code as a standalone inline SVG (for the TOTP enrolment page), drawn from Debian's
// libqrencode (libqrencode-dev): error correction level M (15%), the 4-module quiet zone the
// standard asks for, black on an opaque white background (readable on a dark page too).
//
//   absl::StatusOr<std::string> svg = QrSvg(otpauth_uri);   // "<svg xmlns=...>...</svg>"
//
// The SVG is one <rect> and one <path> (each run of dark modules in a row is one stroke): no
// script, no <style> or style attribute, no external reference, so the pages' strict CSP shows
// it inline; about 4 KB for an otpauth URI.
// Its width and height are 4 px per module; CSS may scale it (shape-rendering keeps edges crisp).
#ifndef LIBS_OTP_QR_SVG_H_
#define LIBS_OTP_QR_SVG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::otp {

// Longest text QrSvg encodes: an otpauth URI is about 150 bytes; this bounds the SVG's size.
inline constexpr size_t kMaxQrTextBytes = 1024;

// `text` as a QR code in SVG. kInvalidArgument for empty text, text longer than
// kMaxQrTextBytes or containing a NUL byte; kInternal if libqrencode fails.
absl::StatusOr<std::string> QrSvg(absl::string_view text);

}  // namespace auth::otp

#endif  // LIBS_OTP_QR_SVG_H_
