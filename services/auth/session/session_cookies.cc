// The session's cookies; see session_cookies.h.
#include "services/auth/session/session_cookies.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "api/auth/v1/auth.grpc.pb.h"

namespace auth::service {
namespace {

constexpr absl::string_view kHostPrefix = "__Host-";
constexpr absl::string_view kSecurePrefix = "__Secure-";

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
  }
  return cookies;
}

std::vector<std::string> ExpiredSessionCookies(const SessionCookieNames& names) {
  return {
      authn::MakeSetCookie(names.UserId(), "", absl::ZeroDuration()),
      authn::MakeSetCookie(names.AccessToken(), "", absl::ZeroDuration()),
      authn::MakeSetCookie(names.RefreshToken(), "", absl::ZeroDuration(),
                           names.RefreshTokenPath()),
  };
}

std::optional<std::string> RefreshTokenCookie(const authn::Headers& headers,
                                              const SessionCookieNames& names) {
  const std::string name = names.RefreshToken();
  std::vector<absl::string_view> values;
  for (const auto& [key, value] : headers) {
    if (key != authn::kCookieHeader) continue;
    for (absl::string_view cookie : authn::CookieValues(value, name)) {
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
