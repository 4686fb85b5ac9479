// Splitting and decoding of a JWS in compact serialization (RFC 7515 section 7.1), with no
// cryptography: the caller picks the key and checks the signature over `signing_input`.
//
//   absl::StatusOr<CompactJws> jws = ParseCompactJws(untrusted);
//   if (jws.ok() && key.Verify(jws->signing_input, jws->signature)) { ... jws->payload ... }
//
// Everything here handles untrusted bytes, so it is strict (see base64url.h, strict_json.h) and
// its messages never echo the input.
#ifndef LIBS_TOKEN_INTERNAL_COMPACT_JWS_H_
#define LIBS_TOKEN_INTERNAL_COMPACT_JWS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace auth::token::internal {

struct CompactJws {
  nlohmann::json header;      // the JOSE header: a JSON object with unique member names
  std::string payload;        // decoded payload bytes; not parsed (that waits for the signature)
  std::string signature;      // decoded signature bytes
  std::string signing_input;  // ASCII(BASE64URL(header) "." BASE64URL(payload)), as received
};

// Parses `token` = header "." payload "." signature; kInvalidArgument naming the part that is
// malformed.
absl::StatusOr<CompactJws> ParseCompactJws(absl::string_view token);

// Returns BASE64URL(header_json) "." BASE64URL(payload), the bytes a signature covers.
std::string MakeSigningInput(absl::string_view header_json, absl::string_view payload);

// Returns `signing_input` "." BASE64URL(signature): the finished compact JWS.
std::string AppendSignature(absl::string_view signing_input, absl::string_view signature);

}  // namespace auth::token::internal

#endif  // LIBS_TOKEN_INTERNAL_COMPACT_JWS_H_
