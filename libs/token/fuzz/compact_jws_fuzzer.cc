// Fuzzes internal::ParseCompactJws, which splits and decodes untrusted tokens before any key is
// chosen. Checks, beyond the sanitizers, that whatever parses is canonical: re-encoding the parts
// gives back the input byte for byte (strict base64url admits one encoding per byte string), and
// the signing input is exactly the first two parts as received.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/token/internal/base64url.h"
#include "libs/token/internal/compact_jws.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace internal = ::auth::token::internal;
  const absl::string_view token(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<internal::CompactJws> jws = internal::ParseCompactJws(token);
  if (!jws.ok()) return 0;

  if (!jws->header.is_object()) std::abort();
  if (internal::AppendSignature(jws->signing_input, jws->signature) != token) std::abort();
  const size_t first_dot = token.find('.');
  if (first_dot == absl::string_view::npos) std::abort();
  absl::StatusOr<std::string> header_json = internal::Base64UrlDecode(token.substr(0, first_dot));
  if (!header_json.ok()) std::abort();
  if (internal::MakeSigningInput(*header_json, jws->payload) != jws->signing_input) std::abort();
  // What parsed once parses again to the same parts.
  absl::StatusOr<internal::CompactJws> again = internal::ParseCompactJws(token);
  if (!again.ok() || again->header != jws->header || again->payload != jws->payload ||
      again->signature != jws->signature) {
    std::abort();
  }
  return 0;
}
