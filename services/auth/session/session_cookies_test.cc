// Tests of the session's cookies.
#include "services/auth/session/session_cookies.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace auth::service {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;
using ::testing::StartsWith;

// The refresh-token cookie at its old Path (the RefreshToken route), expired in a browser's
// answers that set or expire the cookie: a browser holding it would send two refresh tokens.
constexpr char kLegacyRefreshCookieExpired[] =
    "refresh-token=; Path=/auth.v1.AuthService/RefreshToken; Max-Age=0; HttpOnly; Secure; "
    "SameSite=Strict";

TEST(SessionCookiesTest, SetsTheThreeStrictCookies) {
  const absl::Time now = absl::FromUnixSeconds(1000);
  const SessionCookies session{42, "h.p.s", now + absl::Minutes(15), "refresh-xyz",
                               now + absl::Hours(1)};
  EXPECT_THAT(SetSessionCookies(session, now),
              ElementsAre("user_id=42; Path=/; Max-Age=900; HttpOnly; Secure; SameSite=Strict",
                          "jwt-token=h.p.s; Path=/; Max-Age=900; HttpOnly; Secure; SameSite=Strict",
                          "refresh-token=refresh-xyz; Path=/auth.v1.AuthService/; "
                          "Max-Age=3600; HttpOnly; Secure; SameSite=Strict"));
  // A browser's answer also expires the refresh-token cookie at its old path.
  SessionCookies browser = session;
  browser.browser = true;
  const std::vector<std::string> to_browser = SetSessionCookies(browser, now);
  ASSERT_EQ(to_browser.size(), 4u);
  EXPECT_EQ(to_browser[3], kLegacyRefreshCookieExpired);
  EXPECT_EQ(ExpiredSessionCookies({}, /*browser=*/true).back(), kLegacyRefreshCookieExpired);
  // Never under a prefix: those names never had the old path.
  EXPECT_EQ(SetSessionCookies(browser, now, {"__Secure-"}).size(), 3u);
}

TEST(SessionCookiesTest, AnExpiredTokenGetsACookieThatExpiresAtOnce) {
  const absl::Time now = absl::FromUnixSeconds(1000);
  const SessionCookies session{42, "h.p.s", now - absl::Seconds(5), "", now};
  EXPECT_THAT(SetSessionCookies(session, now),
              ElementsAre("user_id=42; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
                          "jwt-token=h.p.s; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict"));
}

TEST(SessionCookiesTest, LogoutExpiresEveryCookieOnItsPath) {
  EXPECT_THAT(ExpiredSessionCookies(),
              ElementsAre("user_id=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
                          "jwt-token=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
                          "refresh-token=; Path=/auth.v1.AuthService/; Max-Age=0; "
                          "HttpOnly; Secure; SameSite=Strict"));
}

TEST(RefreshTokenCookieTest, ReadsOneUnambiguousValue) {
  EXPECT_THAT(RefreshTokenCookie({{"cookie", "a=1; refresh-token=xyz"}}),
              Optional(std::string("xyz")));
  EXPECT_THAT(RefreshTokenCookie({{"cookie", "refresh-token=xyz; refresh-token=xyz"}}),
              Optional(std::string("xyz")));
  EXPECT_THAT(RefreshTokenCookie({{"cookie", "refresh-token=xyz"}, {"cookie", "a=2"}}),
              Optional(std::string("xyz")));
  EXPECT_EQ(RefreshTokenCookie({{"cookie", "refresh-token=a; refresh-token=b"}}), std::nullopt);
  EXPECT_EQ(RefreshTokenCookie({{"cookie", "refresh-token=a"}, {"cookie", "refresh-token=b"}}),
            std::nullopt);
  EXPECT_EQ(RefreshTokenCookie({{"cookie", "jwt-token=a.b.c"}}), std::nullopt);
  EXPECT_EQ(RefreshTokenCookie({{"authorization", "refresh-token=xyz"}}), std::nullopt);
}

TEST(SessionCookieNamesTest, HostPrefixNamesEveryCookieAndPutsItAtPathSlash) {
  const absl::Time now = absl::FromUnixSeconds(1000);
  const SessionCookies session{42, "h.p.s", now + absl::Minutes(15), "r", now + absl::Hours(1)};
  const SessionCookieNames host{"__Host-"};
  EXPECT_THAT(
      SetSessionCookies(session, now, host),
      ElementsAre("__Host-user_id=42; Path=/; Max-Age=900; HttpOnly; Secure; SameSite=Strict",
                  "__Host-jwt-token=h.p.s; Path=/; Max-Age=900; HttpOnly; Secure; SameSite=Strict",
                  "__Host-refresh-token=r; Path=/; Max-Age=3600; HttpOnly; Secure; "
                  "SameSite=Strict"));
  EXPECT_THAT(ExpiredSessionCookies(host),
              ElementsAre(StartsWith("__Host-user_id=; Path=/; Max-Age=0;"),
                          StartsWith("__Host-jwt-token=; Path=/; Max-Age=0;"),
                          StartsWith("__Host-refresh-token=; Path=/; Max-Age=0;")));
  // __Secure- asks no particular Path: the refresh-token cookie keeps its route.
  EXPECT_THAT(SetSessionCookies(session, now, {"__Secure-"}).back(),
              StartsWith("__Secure-refresh-token=r; Path=/auth.v1.AuthService/;"));
  EXPECT_EQ(host.TokenSources().cookie_name, "__Host-jwt-token");
  EXPECT_TRUE(host.TokenSources().cookie);
}

TEST(SessionCookieNamesTest, OnlyThePrefixedRefreshCookieIsRead) {
  const SessionCookieNames host{"__Host-"};
  EXPECT_THAT(
      RefreshTokenCookie({{"cookie", "refresh-token=planted; __Host-refresh-token=r"}}, host),
      Optional(std::string("r")));
  EXPECT_EQ(RefreshTokenCookie({{"cookie", "refresh-token=planted"}}, host), std::nullopt);
}

TEST(ValidateCookiePrefixTest, AcceptsTheBrowserPrefixesAndSafeTokensOnly) {
  for (const char* prefix : {"", "__Host-", "__Secure-", "app_", "my.app-", "A1"}) {
    EXPECT_TRUE(ValidateCookiePrefix(prefix).ok()) << prefix;
  }
  for (const char* prefix :
       {"__host-", "__HOST-", "__Host", "__secure-", "__x", "a b", "a=b", "a;b", "a,b", "é",
        "\"q\"", "a\tb", "0123456789012345678901234567890123"}) {
    EXPECT_EQ(ValidateCookiePrefix(prefix).code(), absl::StatusCode::kInvalidArgument) << prefix;
  }
}

}  // namespace
}  // namespace auth::service
