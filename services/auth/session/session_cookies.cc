// The session's cookies; see session_cookies.h.
#include "services/auth/session/session_cookies.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "api/auth/v1/auth.grpc.pb.h"

namespace auth::service {

const std::string& RefreshTokenCookiePath() {
  static const std::string* const path =
      new std::string(absl::StrCat("/", auth::v1::AuthService::service_full_name(), "/"));
  return *path;
}

std::vector<std::string> SetSessionCookies(const SessionCookies& session, absl::Time now) {
  // A cookie outlives its token by no more than the rounding to whole seconds.
  const absl::Duration access_left =
      std::max(absl::ZeroDuration(), session.access_token_expires_at - now);
  std::vector<std::string> cookies = {
      authn::MakeSetCookie(authn::kUserIdCookie, absl::StrCat(session.user_id), access_left),
      authn::MakeSetCookie(authn::kTokenCookie, session.access_token, access_left),
  };
  if (!session.refresh_token.empty()) {
    const absl::Duration refresh_left =
        std::max(absl::ZeroDuration(), session.refresh_token_expires_at - now);
    cookies.push_back(authn::MakeSetCookie(authn::kRefreshTokenCookie, session.refresh_token,
                                           refresh_left, RefreshTokenCookiePath()));
  }
  return cookies;
}

std::vector<std::string> ExpiredSessionCookies() {
  return {
      authn::MakeSetCookie(authn::kUserIdCookie, "", absl::ZeroDuration()),
      authn::MakeSetCookie(authn::kTokenCookie, "", absl::ZeroDuration()),
      authn::MakeSetCookie(authn::kRefreshTokenCookie, "", absl::ZeroDuration(),
                           RefreshTokenCookiePath()),
  };
}

std::optional<std::string> RefreshTokenCookie(const authn::Headers& headers) {
  std::vector<absl::string_view> values;
  for (const auto& [key, value] : headers) {
    if (key != authn::kCookieHeader) continue;
    for (absl::string_view cookie : authn::CookieValues(value, authn::kRefreshTokenCookie)) {
      values.push_back(cookie);
    }
  }
  if (values.empty()) return std::nullopt;
  for (absl::string_view value : values) {
    if (value != values.front()) return std::nullopt;
  }
  return std::string(values.front());
}

}  // namespace auth::service
