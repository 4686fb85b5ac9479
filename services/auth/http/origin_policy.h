// Which browser origins may call the HTTP front: CORS preflights and the CSRF check.
//
//   absl::StatusOr<OriginPolicy> policy = OriginPolicy::Create({"https://app.example.com"});
//   if (!policy->AllowsRequest(origin, sec_fetch_site, "http://" + host)) -> 403
//
// The model (docs/security.md): the session cookies are SameSite=Strict, so another site's
// page never sends them; but another origin of the same site (another port or subdomain) would,
// so every RPC carrying an Origin is checked against the allowed origins before any work, and a
// browser request that says it is cross-origin (Sec-Fetch-Site) without an Origin is refused.
// Requests without either header come from non-browser clients (curl, services), which no
// victim's browser can be made to send. Connect paths take only JSON or proto bodies, which a
// cross-origin page can send only after a CORS preflight that this policy answers.
#ifndef SERVICES_AUTH_HTTP_ORIGIN_POLICY_H_
#define SERVICES_AUTH_HTTP_ORIGIN_POLICY_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::http {

// kInvalidArgument unless `origin` is "http://host[:port]" or "https://host[:port]" (no path,
// no trailing slash), as browsers send it.
absl::Status ValidateOrigin(absl::string_view origin);

class OriginPolicy {
 public:
  // `allowed` are origins besides the server's own (each must pass ValidateOrigin).
  static absl::StatusOr<OriginPolicy> Create(const std::vector<std::string>& allowed);

  // Whether `origin` is the server's own (`own_origin`, "http://" or "https://" and the Host
  // header) or an allowed one. Scheme and host compare case-insensitively.
  bool AllowsOrigin(absl::string_view origin, absl::string_view own_origin) const;

  // The CSRF check of an RPC: OK for no Origin and no cross-origin Sec-Fetch-Site (not a
  // browser, or a same-origin navigation), or an allowed Origin; kPermissionDenied otherwise.
  absl::Status CheckRequest(absl::string_view origin, absl::string_view sec_fetch_site,
                            absl::string_view own_origin) const;

 private:
  explicit OriginPolicy(absl::flat_hash_set<std::string> allowed) : allowed_(std::move(allowed)) {}

  absl::flat_hash_set<std::string> allowed_;  // lowercase
};

}  // namespace auth::http

#endif  // SERVICES_AUTH_HTTP_ORIGIN_POLICY_H_
