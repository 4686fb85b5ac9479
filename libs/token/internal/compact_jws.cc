// Compact JWS parsing: exactly three parts, each strict base64url, a strict JSON object header.
#include "libs/token/internal/compact_jws.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "libs/token/internal/base64url.h"
#include "libs/token/internal/strict_json.h"
#include "nlohmann/json.hpp"

namespace auth::token::internal {

absl::StatusOr<CompactJws> ParseCompactJws(absl::string_view token) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    return absl::InvalidArgumentError("malformed token: not three dot-separated parts");
  }
  absl::StatusOr<std::string> header_json = Base64UrlDecode(parts[0]);
  if (!header_json.ok()) {
    return absl::InvalidArgumentError("malformed token: header is not canonical base64url");
  }
  absl::StatusOr<std::string> payload = Base64UrlDecode(parts[1]);
  if (!payload.ok()) {
    return absl::InvalidArgumentError("malformed token: payload is not canonical base64url");
  }
  absl::StatusOr<std::string> signature = Base64UrlDecode(parts[2]);
  if (!signature.ok()) {
    return absl::InvalidArgumentError("malformed token: signature is not canonical base64url");
  }
  absl::StatusOr<nlohmann::json> header = ParseStrictJsonObject(*header_json);
  if (!header.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed token: header rejected (", header.status().message(), ")"));
  }
  CompactJws jws;
  jws.header = *std::move(header);
  jws.payload = *std::move(payload);
  jws.signature = *std::move(signature);
  jws.signing_input = std::string(token.substr(0, parts[0].size() + 1 + parts[1].size()));
  return jws;
}

std::string MakeSigningInput(absl::string_view header_json, absl::string_view payload) {
  return absl::StrCat(Base64UrlEncode(header_json), ".", Base64UrlEncode(payload));
}

std::string AppendSignature(absl::string_view signing_input, absl::string_view signature) {
  return absl::StrCat(signing_input, ".", Base64UrlEncode(signature));
}

}  // namespace auth::token::internal
