// Reading a JWT's subject without verifying it; see token_subject.h.
#include "tools/auth_cli/token_subject.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "libs/authn/user_id.h"
#include "nlohmann/json.hpp"

namespace auth::cli {

absl::StatusOr<int32_t> UserIdOfToken(absl::string_view jwt) {
  const std::vector<absl::string_view> parts = absl::StrSplit(jwt, '.');
  std::string payload;
  if (parts.size() != 3 || !absl::WebSafeBase64Unescape(parts[1], &payload)) {
    return absl::InvalidArgumentError("the token is not a JWT (three base64url parts)");
  }
  const nlohmann::json claims = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!claims.is_object()) return absl::InvalidArgumentError("the token's claims are not JSON");
  const auto subject = claims.find("sub");
  if (subject == claims.end() || !subject->is_string()) {
    return absl::InvalidArgumentError("the token has no subject (sub) claim");
  }
  const std::optional<int32_t> user_id =
      auth::authn::UserIdFromSubject(subject->get_ref<const std::string&>());
  if (!user_id.has_value()) {
    return absl::InvalidArgumentError("the token's subject is not a user id");
  }
  return *user_id;
}

}  // namespace auth::cli
