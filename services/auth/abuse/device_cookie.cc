// DeviceCookies; see device_cookie.h.
#include "services/auth/abuse/device_cookie.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "glog/logging.h"

namespace auth::service {
namespace {

// The Login route: the only one the browser sends the cookie to.
const std::string& LoginPath() {
  static const std::string* const path =
      new std::string(absl::StrCat("/", auth::v1::AuthService::service_full_name(), "/Login"));
  return *path;
}

}  // namespace

std::string DeviceCookieAudience(absl::string_view access_token_audience) {
  return absl::StrCat(access_token_audience, "#device");
}

DeviceCookies::DeviceCookies(const token::TokenIssuer* issuer, const token::TokenVerifier* verifier,
                             absl::string_view cookie_prefix)
    : issuer_(issuer),
      verifier_(verifier),
      cookie_name_(absl::StrCat(cookie_prefix, kDeviceCookie)),
      cookie_path_(cookie_prefix == "__Host-" ? "/" : LoginPath()) {}

std::optional<Device> DeviceCookies::Presented(const authn::Headers& headers) const {
  if (!enabled()) return std::nullopt;
  std::optional<std::string> value = authn::UnambiguousCookie(headers, cookie_name_);
  if (!value.has_value() || value->size() > authn::kMaxTokenBytes) return std::nullopt;
  absl::StatusOr<token::TokenClaims> claims = verifier_->Verify(*value);
  if (!claims.ok()) return std::nullopt;
  Device device;
  if (!absl::SimpleAtoi(claims->subject, &device.user_id) || device.user_id <= 0 ||
      claims->jwt_id.empty()) {
    return std::nullopt;
  }
  device.nonce = claims->jwt_id;
  return device;
}

absl::StatusOr<std::string> DeviceCookies::SetCookie(int64_t user_id) const {
  if (!enabled()) return absl::FailedPreconditionError("device cookies are off");
  absl::StatusOr<token::IssuedToken> issued = issuer_->Issue(absl::StrCat(user_id));
  if (!issued.ok()) return issued.status();
  return authn::MakeSetCookie(cookie_name_, issued->token, issuer_->lifetime(), cookie_path_);
}

std::optional<std::string> NewDeviceCookie(const DeviceCookies* devices, bool devices_trusted,
                                           int64_t user_id) {
  if (devices == nullptr || !devices->enabled() || !devices_trusted) return std::nullopt;
  absl::StatusOr<std::string> set_cookie = devices->SetCookie(user_id);
  if (!set_cookie.ok()) {
    LOG(WARNING) << "no device cookie for user " << user_id << ": " << set_cookie.status().code();
    return std::nullopt;
  }
  return *std::move(set_cookie);
}

}  // namespace auth::service
