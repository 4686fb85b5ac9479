// The browser-origin checks of the HTTP front; see origin_policy.h.
#include "services/auth/http/origin_policy.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace auth::http {

absl::Status ValidateOrigin(absl::string_view origin) {
  absl::string_view rest = origin;
  if (!absl::ConsumePrefix(&rest, "http://") && !absl::ConsumePrefix(&rest, "https://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("origin \"", origin, "\": must start with http:// or https://"));
  }
  if (rest.empty() || absl::StrContains(rest, "/") || absl::StrContains(rest, "?") ||
      absl::StrContains(rest, "#") || absl::StrContains(rest, "@") ||
      absl::StrContains(rest, " ")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "origin \"", origin, "\": must be scheme://host[:port], without path or slash"));
  }
  return absl::OkStatus();
}

absl::StatusOr<OriginPolicy> OriginPolicy::Create(const std::vector<std::string>& allowed) {
  absl::flat_hash_set<std::string> lowercase;
  for (const std::string& origin : allowed) {
    if (absl::Status valid = ValidateOrigin(origin); !valid.ok()) return valid;
    lowercase.insert(absl::AsciiStrToLower(origin));
  }
  return OriginPolicy(std::move(lowercase));
}

bool OriginPolicy::AllowsOrigin(absl::string_view origin, absl::string_view own_origin) const {
  if (origin.empty()) return false;
  if (absl::EqualsIgnoreCase(origin, own_origin)) return true;
  return allowed_.contains(absl::AsciiStrToLower(origin));
}

absl::Status OriginPolicy::CheckRequest(absl::string_view origin, absl::string_view sec_fetch_site,
                                        absl::string_view own_origin) const {
  if (!origin.empty()) {
    if (AllowsOrigin(origin, own_origin)) return absl::OkStatus();
    return absl::PermissionDeniedError("cross-origin request from an origin not allowed");
  }
  // A browser that does not say where the request comes from, yet says it is not the page's
  // own origin: nothing to check it against.
  if (sec_fetch_site == "cross-site" || sec_fetch_site == "same-site") {
    return absl::PermissionDeniedError("cross-origin request without an Origin header");
  }
  return absl::OkStatus();
}

}  // namespace auth::http
