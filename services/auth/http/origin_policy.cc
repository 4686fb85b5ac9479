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

namespace {

// Lowercase, without the scheme's default port: "HTTPS://Auth.Example.com:443" and
// "https://auth.example.com" are the same origin.
std::string NormaliseOrigin(absl::string_view origin) {
  std::string lowercase = absl::AsciiStrToLower(origin);
  absl::string_view view(lowercase);
  if ((absl::StartsWith(view, "https://") && absl::ConsumeSuffix(&view, ":443")) ||
      (absl::StartsWith(view, "http://") && absl::ConsumeSuffix(&view, ":80"))) {
    return std::string(view);
  }
  return lowercase;
}

}  // namespace

absl::StatusOr<OriginPolicy> OriginPolicy::Create(const std::vector<std::string>& allowed,
                                                  const std::vector<std::string>& public_origins) {
  absl::flat_hash_set<std::string> lowercase;
  for (const std::string& origin : allowed) {
    if (absl::Status valid = ValidateOrigin(origin); !valid.ok()) return valid;
    lowercase.insert(absl::AsciiStrToLower(origin));
  }
  OriginPolicy policy(std::move(lowercase));
  if (absl::Status set = policy.SetPublicOrigins(public_origins); !set.ok()) return set;
  return policy;
}

absl::Status OriginPolicy::SetPublicOrigins(const std::vector<std::string>& public_origins) {
  absl::flat_hash_set<std::string> normalised;
  for (const std::string& origin : public_origins) {
    if (absl::Status valid = ValidateOrigin(origin); !valid.ok()) return valid;
    normalised.insert(NormaliseOrigin(origin));
  }
  public_origins_ = std::move(normalised);
  public_list_ = public_origins;
  return absl::OkStatus();
}

bool OriginPolicy::ServesOwnOrigin(absl::string_view own_origin) const {
  return public_origins_.empty() || public_origins_.contains(NormaliseOrigin(own_origin));
}

bool OriginPolicy::AllowsOrigin(absl::string_view origin, absl::string_view own_origin) const {
  if (origin.empty()) return false;
  if (public_origins_.empty()) {
    if (absl::EqualsIgnoreCase(origin, own_origin)) return true;
  } else if (public_origins_.contains(NormaliseOrigin(origin))) {
    return true;
  }
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
