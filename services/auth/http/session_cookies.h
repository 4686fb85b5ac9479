// The cookies the HTTP front sets for a browser session, and reads back.
//
//   for (const std::string& cookie : SessionCookies({.user_id = 42, .access_token = jwt, ...}))
//     response.insert("Set-Cookie", cookie);
//
// Login and RefreshToken set `user_id` and `jwt-token` (Path=/, until the access token expires)
// and `refresh-token` scoped to the RefreshToken route, so that the browser sends the refresh
// token to that one route only; all three HttpOnly, Secure, SameSite=Strict. Logout expires
// all three (Max-Age=0, the same paths).
#ifndef SERVICES_AUTH_HTTP_SESSION_COOKIES_H_
#define SERVICES_AUTH_HTTP_SESSION_COOKIES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace auth::http {

inline constexpr char kRefreshTokenCookie[] = "refresh-token";
// The route of RefreshToken, and the refresh-token cookie's Path.
inline constexpr char kRefreshTokenPath[] = "/auth.v1.AuthService/RefreshToken";

// What Login and RefreshToken answered.
struct IssuedSession {
  int32_t user_id = 0;
  std::string access_token;
  absl::Time access_token_expires_at;
  std::string refresh_token;  // empty: no refresh-token cookie
  absl::Duration refresh_token_lifetime;
};

// Set-Cookie values for `session`, at time `now`.
std::vector<std::string> SessionCookies(const IssuedSession& session, absl::Time now);

// Set-Cookie values that expire every cookie SessionCookies() sets.
std::vector<std::string> ExpiredSessionCookies();

// The refresh-token cookie of a Cookie header; nullopt if there is none, or several that
// differ (which one would we trust?).
std::optional<std::string> RefreshTokenCookie(absl::string_view cookie_header);

}  // namespace auth::http

#endif  // SERVICES_AUTH_HTTP_SESSION_COOKIES_H_
