// The cookies of a session, as the service says them: `set-cookie` metadata on Login's,
// RefreshToken's and Logout's answers, which a gRPC client may keep and which the HTTP front
// copies into Set-Cookie headers (as grpc-gateway does). And the refresh token read back from a
// `cookie` header, as the browser sends it.
//
//   SessionCookies cookies{user_id, access_token, access_expires_at, refresh_token,
//                          refresh_expires_at};
//   for (const std::string& value : SetSessionCookies(cookies, absl::Now()))
//     context->AddInitialMetadata(authn::kSetCookieHeader, value);
//
// Login and RefreshToken set `user_id` and `jwt-token` (Path=/, until the access token expires)
// and `refresh-token` scoped to the service's routes (RefreshToken and Logout read it), never
// sent to the page or any other path; all three HttpOnly, Secure, SameSite=Strict. Logout
// expires all three (Max-Age=0, the same paths). With --cookie_prefix every name starts with the
// prefix (SessionCookieNames), and only those names are read.
#ifndef SERVICES_AUTH_SESSION_SESSION_COOKIES_H_
#define SERVICES_AUTH_SESSION_SESSION_COOKIES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/authn/credentials.h"

namespace auth::service {

// A bound far above any refresh token we issue (43 characters), so a hostile request costs
// nothing to reject.
inline constexpr size_t kMaxRefreshTokenBytes = 256;

// The refresh-token cookie's Path, "/auth.v1.AuthService/": the routes of the service, which
// RefreshToken (to rotate it) and Logout (to sign out an idle browser, whose access token has
// expired) both read it from. One cookie rather than one per route: a rotation replaces it
// everywhere at once, so Logout never holds a stale copy; the page and every other path of the
// server never receive it.
const std::string& RefreshTokenCookiePath();

// The session's cookie names: the spec's (`user_id`, `jwt-token`, `refresh-token`) after
// --cookie_prefix. `__Host-` makes browsers keep a cookie only if it is Secure, has Path=/ and
// no Domain, so that a sibling subdomain cannot plant or shadow it; the refresh-token cookie
// then has Path=/ too. `__Secure-` asks Secure only, and keeps the refresh-token cookie's Path.
struct SessionCookieNames {
  std::string prefix;

  std::string UserId() const { return prefix + authn::kUserIdCookie; }
  std::string AccessToken() const { return prefix + authn::kTokenCookie; }
  std::string RefreshToken() const { return prefix + authn::kRefreshTokenCookie; }
  // RefreshTokenCookiePath(), or "/" under `__Host-`.
  std::string RefreshTokenPath() const;
  // Where the service reads the access token: Bearer, or the access-token cookie.
  authn::AccessTokenSources TokenSources() const { return {true, AccessToken()}; }
};

// OK for "", "__Host-", "__Secure-", or 1 to 32 of [A-Za-z0-9._-] not starting with "__"
// (browsers give meaning to "__"-prefixes, case-insensitively); kInvalidArgument otherwise.
absl::Status ValidateCookiePrefix(absl::string_view prefix);

// What Login and RefreshToken answered.
struct SessionCookies {
  int64_t user_id = 0;
  std::string access_token;
  absl::Time access_token_expires_at;
  std::string refresh_token;  // empty: no refresh-token cookie
  absl::Time refresh_token_expires_at;
  // A browser's call (IsBrowserCall): also expires a refresh-token cookie left at its old Path.
  bool browser = false;
};

// Set-Cookie values for `session`, at time `now`.
std::vector<std::string> SetSessionCookies(const SessionCookies& session, absl::Time now,
                                           const SessionCookieNames& names = {});

// Set-Cookie values that expire every cookie SetSessionCookies() sets.
// `browser` as in SessionCookies.
std::vector<std::string> ExpiredSessionCookies(const SessionCookieNames& names = {},
                                               bool browser = false);

// The refresh-token cookie of the `cookie` headers in `headers`; nullopt if there is none, or
// several that differ (which one would we trust?).
std::optional<std::string> RefreshTokenCookie(const authn::Headers& headers,
                                              const SessionCookieNames& names = {});

}  // namespace auth::service

#endif  // SERVICES_AUTH_SESSION_SESSION_COOKIES_H_
