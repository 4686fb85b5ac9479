// Tests of the session's cookies.
#include "services/auth/session/session_cookies.h"

#include <string>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace auth::service {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;

TEST(SessionCookiesTest, SetsTheThreeStrictCookies) {
  const absl::Time now = absl::FromUnixSeconds(1000);
  const SessionCookies session{42, "h.p.s", now + absl::Minutes(15), "refresh-xyz",
                               now + absl::Hours(1)};
  EXPECT_THAT(SetSessionCookies(session, now),
              ElementsAre("user_id=42; Path=/; Max-Age=900; HttpOnly; Secure; SameSite=Strict",
                          "jwt-token=h.p.s; Path=/; Max-Age=900; HttpOnly; Secure; SameSite=Strict",
                          "refresh-token=refresh-xyz; Path=/auth.v1.AuthService/; "
                          "Max-Age=3600; HttpOnly; Secure; SameSite=Strict"));
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

}  // namespace
}  // namespace auth::service
