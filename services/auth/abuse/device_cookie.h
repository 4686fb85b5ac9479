// DeviceCookies: the `device` cookie a successful login hands its client, which makes that
// client's next logins of the same account trusted (AttemptGate, "device cookies" in
// docs/security.md, after OWASP's "Slow Down Online Guessing Attacks with Device Cookies").
//
//   DeviceCookies devices(&device_issuer, &device_verifier);
//   std::optional<Device> device = devices.Presented(authn::ToHeaders(context->client_metadata()));
//   ... trusted when device && device->user_id == the account's id; after the login succeeded:
//   absl::StatusOr<std::string> set_cookie = devices.SetCookie(user_id);
//   if (set_cookie.ok()) context->AddInitialMetadata(authn::kSetCookieHeader, *set_cookie);
//
// The cookie's value is a JWT signed by the service's own token keys, with an audience of its
// own (so it is no access token, and no access token is a device cookie): its subject is the
// account, its jti a random nonce that names the device's failure counter. Why a JWT rather
// than an HMAC with a secret of its own: every replica already shares the signing keys, and
// their rotation, reload and dropping (SIGHUP) apply to device cookies too, with no new secret
// to distribute. The price: a device cookie signed by a key that has left the key set (once a
// rotated key's retirement ends) is no longer trusted; its next successful login replaces it.
#ifndef SERVICES_AUTH_ABUSE_DEVICE_COOKIE_H_
#define SERVICES_AUTH_ABUSE_DEVICE_COOKIE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/authn/credentials.h"
#include "libs/token/token.h"

namespace auth::service {

inline constexpr char kDeviceCookie[] = "device";
// How long a device stays known without a login: a year, as OWASP suggests (each successful
// login replaces the cookie).
inline constexpr absl::Duration kDeviceCookieLifetime = absl::Hours(24 * 365);

// The audience of device cookies, given the access tokens' one: "<audience>#device".
std::string DeviceCookieAudience(absl::string_view access_token_audience);

// A valid device cookie's content.
struct Device {
  int64_t user_id = 0;
  std::string nonce;  // the key of its failure counter
};

class DeviceCookies {
 public:
  // `issuer` signs device cookies (its lifetime is theirs), `verifier` checks them; both with
  // the device audience, neither owned. Null: no device cookies (none issued, none trusted).
  // `cookie_prefix` is --cookie_prefix: the cookie is `<prefix>device`; under `__Host-` its
  // Path is "/" (the browser keeps a `__Host-` cookie only so), otherwise the Login route.
  DeviceCookies(const token::TokenIssuer* issuer, const token::TokenVerifier* verifier,
                absl::string_view cookie_prefix = "");

  bool enabled() const { return issuer_ != nullptr && verifier_ != nullptr; }

  // The device presented in the `cookie` headers of `headers`: nullopt when there is none, when
  // it is forged, expired, signed by a key no longer in force, or when several differ.
  std::optional<Device> Presented(const authn::Headers& headers) const;

  // A `set-cookie` value giving the client a new device cookie of `user_id`: HttpOnly, Secure,
  // SameSite=Strict, sent to the Login route only (unless `__Host-`), for the issuer's lifetime.
  absl::StatusOr<std::string> SetCookie(int64_t user_id) const;

 private:
  const token::TokenIssuer* issuer_;
  const token::TokenVerifier* verifier_;
  std::string cookie_name_;
  std::string cookie_path_;
};

// The device cookie a successful sign-in (Login, CompleteLogin) hands out: a new one of
// `user_id`, with a new nonce and so its own failure counter. nullopt when device cookies are
// off (`devices` null or not enabled, or `devices_trusted` false: the attempt gate trusts no
// device) or when signing fails, which is logged: the sign-in still succeeds, and its next
// login is untrusted.
std::optional<std::string> NewDeviceCookie(const DeviceCookies* devices, bool devices_trusted,
                                           int64_t user_id);

}  // namespace auth::service

#endif  // SERVICES_AUTH_ABUSE_DEVICE_COOKIE_H_
