// DeviceCookies over real JWTs: a cookie it issues is read back as its account's device; a
// forged, expired, foreign (another server's key) or access-token value is no device.
#include "services/auth/abuse/device_cookie.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/authn/credentials.h"
#include "libs/token/jwt.h"
#include "libs/token/key_set.h"

namespace auth::service {
namespace {

using ::testing::HasSubstr;

constexpr char kDeviceAudience[] = "api#device";

struct Signer {
  explicit Signer(token::KeySet keys, absl::string_view audience = kDeviceAudience,
                  absl::Duration lifetime = absl::Hours(24 * 365))
      : issuer(keys, {"auth", std::string(audience), lifetime, {}}),
        verifier(keys, {"auth", kDeviceAudience, absl::Seconds(30), 4096, {}}) {}
  token::JwtIssuer issuer;
  token::JwtVerifier verifier;
};

// The cookie's value from a set-cookie line.
std::string CookieValue(absl::string_view set_cookie) {
  absl::string_view value = set_cookie.substr(0, set_cookie.find(';'));
  return std::string(value.substr(value.find('=') + 1));
}

std::optional<Device> Present(const DeviceCookies& devices, const std::string& cookie_header) {
  authn::Headers headers = {{authn::kCookieHeader, cookie_header}};
  return devices.Presented(headers);
}

TEST(DeviceCookieTest, IssuedCookieIsReadBackAsItsAccountsDevice) {
  Signer signer(token::KeySet::GenerateEphemeral());
  DeviceCookies devices(&signer.issuer, &signer.verifier);
  absl::StatusOr<std::string> set_cookie = devices.SetCookie(42);
  ASSERT_TRUE(set_cookie.ok()) << set_cookie.status();
  EXPECT_TRUE(absl::StartsWith(*set_cookie, "device=")) << *set_cookie;
  EXPECT_THAT(*set_cookie, HasSubstr("Path=/auth.v1.AuthService/Login; Max-Age=31536000; "
                                     "HttpOnly; Secure; SameSite=Strict"));
  std::optional<Device> device =
      Present(devices, absl::StrCat("a=1; device=", CookieValue(*set_cookie), "; b=2"));
  ASSERT_TRUE(device.has_value());
  EXPECT_EQ(device->user_id, 42);
  EXPECT_FALSE(device->nonce.empty());
  // Each cookie is a device of its own.
  absl::StatusOr<std::string> second = devices.SetCookie(42);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(Present(devices, "device=" + CookieValue(*second))->nonce, device->nonce);
}

// --cookie_prefix names the device cookie too; under `__Host-` its Path is "/" (the browser's
// rule for that prefix), and the unprefixed name is no longer read.
TEST(DeviceCookieTest, CookiePrefixNamesTheCookie) {
  Signer signer(token::KeySet::GenerateEphemeral());
  DeviceCookies host(&signer.issuer, &signer.verifier, "__Host-");
  absl::StatusOr<std::string> set_cookie = host.SetCookie(42);
  ASSERT_TRUE(set_cookie.ok()) << set_cookie.status();
  EXPECT_TRUE(absl::StartsWith(*set_cookie, "__Host-device=")) << *set_cookie;
  EXPECT_THAT(*set_cookie, HasSubstr("; Path=/; "));
  const std::string value = CookieValue(*set_cookie);
  ASSERT_TRUE(Present(host, "__Host-device=" + value).has_value());
  EXPECT_FALSE(Present(host, "device=" + value).has_value());

  DeviceCookies secure(&signer.issuer, &signer.verifier, "__Secure-");
  EXPECT_THAT(*secure.SetCookie(42), HasSubstr("Path=/auth.v1.AuthService/Login;"));
}

TEST(DeviceCookieTest, ForgedForeignExpiredOrAccessTokenValuesAreNoDevice) {
  const token::KeySet keys = token::KeySet::GenerateEphemeral();
  Signer signer(keys);
  DeviceCookies devices(&signer.issuer, &signer.verifier);
  const std::string valid = CookieValue(*devices.SetCookie(42));

  EXPECT_FALSE(Present(devices, "").has_value());
  EXPECT_FALSE(Present(devices, "device=").has_value());
  EXPECT_FALSE(Present(devices, "device=garbage").has_value());
  // One character of the signature changed.
  std::string forged = valid;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(Present(devices, "device=" + forged).has_value());
  // Signed by another server's key.
  Signer other(token::KeySet::GenerateEphemeral());
  DeviceCookies foreign(&other.issuer, &other.verifier);
  EXPECT_FALSE(Present(devices, "device=" + CookieValue(*foreign.SetCookie(42))).has_value());
  // Our key, but an access token's audience: no device cookie.
  Signer access(keys, "api");
  DeviceCookies access_tokens(&access.issuer, &signer.verifier);
  EXPECT_FALSE(Present(devices, "device=" + CookieValue(*access_tokens.SetCookie(42))).has_value());
  // Expired (a lifetime of one second, read two minutes later: past the leeway).
  Signer short_lived(keys, kDeviceAudience, absl::Seconds(1));
  token::JwtVerifierOptions later_options{"auth", kDeviceAudience, absl::Seconds(30), 4096,
                                          [] { return absl::Now() + absl::Minutes(2); }};
  token::JwtVerifier later(keys, later_options);
  DeviceCookies expiring(&short_lived.issuer, &later);
  EXPECT_FALSE(Present(expiring, "device=" + CookieValue(*expiring.SetCookie(42))).has_value());
  // Two different device cookies: which one would we trust?
  EXPECT_FALSE(
      Present(devices, "device=" + valid + "; device=" + CookieValue(*devices.SetCookie(7)))
          .has_value());
  EXPECT_TRUE(Present(devices, "device=" + valid + "; device=" + valid).has_value());
}

TEST(DeviceCookieTest, WithoutSignerNothingIsIssuedOrTrusted) {
  DeviceCookies devices(nullptr, nullptr);
  EXPECT_FALSE(devices.enabled());
  EXPECT_FALSE(devices.SetCookie(42).ok());
  EXPECT_FALSE(Present(devices, "device=x").has_value());
}

}  // namespace
}  // namespace auth::service
