// The browser session's cookies; see session_cookies.h.
#include "services/auth/http/session_cookies.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/authn/credentials.h"

namespace auth::http {

std::vector<std::string> SessionCookies(const IssuedSession& session, absl::Time now) {
  // A cookie outlives its token by no more than the rounding to whole seconds.
  const absl::Duration access_left =
      std::max(absl::ZeroDuration(), session.access_token_expires_at - now);
  std::vector<std::string> cookies = {
      authn::MakeSetCookie(authn::kUserIdCookie, absl::StrCat(session.user_id), access_left),
      authn::MakeSetCookie(authn::kTokenCookie, session.access_token, access_left),
  };
  if (!session.refresh_token.empty()) {
    cookies.push_back(authn::MakeSetCookie(kRefreshTokenCookie, session.refresh_token,
                                           session.refresh_token_lifetime, kRefreshTokenPath));
  }
  return cookies;
}

std::vector<std::string> ExpiredSessionCookies() {
  return {
      authn::MakeSetCookie(authn::kUserIdCookie, "", absl::ZeroDuration()),
      authn::MakeSetCookie(authn::kTokenCookie, "", absl::ZeroDuration()),
      authn::MakeSetCookie(kRefreshTokenCookie, "", absl::ZeroDuration(), kRefreshTokenPath),
  };
}

std::optional<std::string> RefreshTokenCookie(absl::string_view cookie_header) {
  const std::vector<absl::string_view> values =
      authn::CookieValues(cookie_header, kRefreshTokenCookie);
  if (values.empty()) return std::nullopt;
  for (absl::string_view value : values) {
    if (value != values.front()) return std::nullopt;
  }
  return std::string(values.front());
}

}  // namespace auth::http
