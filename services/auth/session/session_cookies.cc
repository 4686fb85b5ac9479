// The session's cookies; see session_cookies.h.
#include "services/auth/session/session_cookies.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "api/auth/v1/auth.grpc.pb.h"

namespace auth::service {
namespace {

constexpr absl::string_view kHostPrefix = "__Host-";
constexpr absl::string_view kSecurePrefix = "__Secure-";

// Until December 2026 the refresh-token cookie had the RefreshToken route as its Path. A
// browser that still holds one would send both it and the new cookie to RefreshToken (the
// narrower path is another cookie, not replaced by the new one), two values of which the
// second refresh would refuse; so every answer to a browser that sets or expires the
// refresh-token cookie also expires the old one. Only browsers keep cookies by path, and only
// the spec's names (no --cookie_prefix) ever had it; other clients never see this line, which
// one that keeps cookies by name alone could mistake for the new cookie. Drop this once such
// cookies have expired everywhere (--refresh_token_lifetime after the upgrade).
constexpr absl::string_view kLegacyRefreshTokenPath = "/auth.v1.AuthService/RefreshToken";

void ExpireLegacyRefreshTokenCookie(const SessionCookieNames& names,
                                    std::vector<std::string>& cookies) {
  if (!names.prefix.empty()) return;
  cookies.push_back(authn::MakeSetCookie(names.RefreshToken(), "", absl::ZeroDuration(),
                                         std::string(kLegacyRefreshTokenPath)));
}

}  // namespace

const std::string& RefreshTokenCookiePath() {
  static const std::string* const path =
      new std::string(absl::StrCat("/", auth::v1::AuthService::service_full_name(), "/"));
  return *path;
}

std::string SessionCookieNames::RefreshTokenPath() const {
  return prefix == kHostPrefix ? "/" : RefreshTokenCookiePath();
}

absl::Status ValidateCookiePrefix(absl::string_view prefix) {
  if (prefix.empty() || prefix == kHostPrefix || prefix == kSecurePrefix) return absl::OkStatus();
  const bool safe = prefix.size() <= 32 && !absl::StartsWith(prefix, "__") &&
                    std::all_of(prefix.begin(), prefix.end(), [](char c) {
                      return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
                             c == '_' || c == '-';
                    });
  if (safe) return absl::OkStatus();
  return absl::InvalidArgumentError(
      "expected empty, __Host-, __Secure- or up to 32 of [A-Za-z0-9._-] not starting with __");
}

std::vector<std::string> SetSessionCookies(const SessionCookies& session, absl::Time now,
                                           const SessionCookieNames& names) {
  // A cookie outlives its token by no more than the rounding to whole seconds.
  const absl::Duration access_left =
      std::max(absl::ZeroDuration(), session.access_token_expires_at - now);
  std::vector<std::string> cookies = {
      authn::MakeSetCookie(names.UserId(), absl::StrCat(session.user_id), access_left),
      authn::MakeSetCookie(names.AccessToken(), session.access_token, access_left),
  };
  if (!session.refresh_token.empty()) {
    const absl::Duration refresh_left =
        std::max(absl::ZeroDuration(), session.refresh_token_expires_at - now);
    cookies.push_back(authn::MakeSetCookie(names.RefreshToken(), session.refresh_token,
                                           refresh_left, names.RefreshTokenPath()));
    if (session.browser) ExpireLegacyRefreshTokenCookie(names, cookies);
  }
  return cookies;
}

std::vector<std::string> ExpiredSessionCookies(const SessionCookieNames& names, bool browser) {
  std::vector<std::string> cookies = {
      authn::MakeSetCookie(names.UserId(), "", absl::ZeroDuration()),
      authn::MakeSetCookie(names.AccessToken(), "", absl::ZeroDuration()),
      authn::MakeSetCookie(names.RefreshToken(), "", absl::ZeroDuration(),
                           names.RefreshTokenPath()),
  };
  if (browser) ExpireLegacyRefreshTokenCookie(names, cookies);
  return cookies;
}

std::optional<std::string> RefreshTokenCookie(const authn::Headers& headers,
                                              const SessionCookieNames& names) {
  return authn::UnambiguousCookie(headers, names.RefreshToken());
}

}  // namespace auth::service
