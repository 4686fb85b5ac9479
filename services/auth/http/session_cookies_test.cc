// Tests of the browser session's cookies.
#include "services/auth/http/session_cookies.h"

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace auth::http {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;

TEST(SessionCookiesTest, SetsTheThreeStrictCookies) {
  const absl::Time now = absl::FromUnixSeconds(1000);
  const IssuedSession session{42, "h.p.s", now + absl::Minutes(15), "refresh-xyz", absl::Hours(1)};
  EXPECT_THAT(SessionCookies(session, now),
              ElementsAre("user_id=42; Path=/; Max-Age=900; HttpOnly; Secure; SameSite=Strict",
                          "jwt-token=h.p.s; Path=/; Max-Age=900; HttpOnly; Secure; SameSite=Strict",
                          "refresh-token=refresh-xyz; Path=/auth.v1.AuthService/RefreshToken; "
                          "Max-Age=3600; HttpOnly; Secure; SameSite=Strict"));
}

TEST(SessionCookiesTest, AnExpiredTokenGetsACookieThatExpiresAtOnce) {
  const absl::Time now = absl::FromUnixSeconds(1000);
  const IssuedSession session{42, "h.p.s", now - absl::Seconds(5), "", absl::Hours(1)};
  EXPECT_THAT(SessionCookies(session, now),
              ElementsAre("user_id=42; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
                          "jwt-token=h.p.s; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict"));
}

TEST(SessionCookiesTest, LogoutExpiresEveryCookieOnItsPath) {
  EXPECT_THAT(ExpiredSessionCookies(),
              ElementsAre("user_id=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
                          "jwt-token=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
                          "refresh-token=; Path=/auth.v1.AuthService/RefreshToken; Max-Age=0; "
                          "HttpOnly; Secure; SameSite=Strict"));
}

TEST(RefreshTokenCookieTest, ReadsOneUnambiguousValue) {
  EXPECT_THAT(RefreshTokenCookie("a=1; refresh-token=xyz"), Optional(std::string("xyz")));
  EXPECT_THAT(RefreshTokenCookie("refresh-token=xyz; refresh-token=xyz"),
              Optional(std::string("xyz")));
  EXPECT_EQ(RefreshTokenCookie("refresh-token=a; refresh-token=b"), std::nullopt);
  EXPECT_EQ(RefreshTokenCookie("jwt-token=a.b.c"), std::nullopt);
}

}  // namespace
}  // namespace auth::http
