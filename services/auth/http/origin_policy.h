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
//
// The server's own origin: with public origins configured (--http_public_origins), those, and a
// request whose scheme and Host are none of them is not ours at all (ServesOwnOrigin() false:
// the front answers 421 before any work). That defeats DNS rebinding, where the attacker's name
// (evil.test) is made to resolve to this server: the browser then sends Host: evil.test and
// Origin: http://evil.test, which the Host-derived origin alone would take for same-origin.
// Without public origins, the own origin is the one the Host header names (the old behaviour).
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
  // `allowed` are origins besides the server's own, `public_origins` the server's own (empty:
  // taken from each request's Host); each must pass ValidateOrigin.
  static absl::StatusOr<OriginPolicy> Create(const std::vector<std::string>& allowed,
                                             const std::vector<std::string>& public_origins = {});

  // Replaces the public origins (before the policy is shared between threads).
  absl::Status SetPublicOrigins(const std::vector<std::string>& public_origins);
  const std::vector<std::string>& public_origins() const { return public_list_; }

  // Whether a request that reached the server as `own_origin` ("http://" or "https://" and the
  // Host header) is for this server: always without public origins, else when it is one of them.
  // Scheme and host compare case-insensitively, a default port (:80, :443) as none.
  bool ServesOwnOrigin(absl::string_view own_origin) const;

  // Whether `origin` is the server's own (a public origin; without any, `own_origin`) or an
  // allowed one. Scheme and host compare case-insensitively.
  bool AllowsOrigin(absl::string_view origin, absl::string_view own_origin) const;

  // The CSRF check of an RPC: OK for no Origin and no cross-origin Sec-Fetch-Site (not a
  // browser, or a same-origin navigation), or an allowed Origin; kPermissionDenied otherwise.
  absl::Status CheckRequest(absl::string_view origin, absl::string_view sec_fetch_site,
                            absl::string_view own_origin) const;

 private:
  explicit OriginPolicy(absl::flat_hash_set<std::string> allowed) : allowed_(std::move(allowed)) {}

  absl::flat_hash_set<std::string> allowed_;         // lowercase
  absl::flat_hash_set<std::string> public_origins_;  // normalised (NormaliseOrigin)
  std::vector<std::string> public_list_;             // as given
};

}  // namespace auth::http

#endif  // SERVICES_AUTH_HTTP_ORIGIN_POLICY_H_
