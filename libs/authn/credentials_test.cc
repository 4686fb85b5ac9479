#include "libs/authn/credentials.h"

#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::authn {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kToken[] = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl";
constexpr auto kUnauthenticated = absl::StatusCode::kUnauthenticated;
const AccessTokenSources kWithCookie = {/*cookie=*/true};

TEST(UnambiguousCookieTest, OneValueAcrossHeadersOrNone) {
  EXPECT_EQ(UnambiguousCookie({{"cookie", "a=1; device=xyz"}}, "device"), "xyz");
  EXPECT_EQ(UnambiguousCookie({{"cookie", "device=xyz"}, {"cookie", "device=xyz; b=2"}}, "device"),
            "xyz");
  EXPECT_EQ(UnambiguousCookie({{"cookie", "device=a; device=b"}}, "device"), std::nullopt);
  EXPECT_EQ(UnambiguousCookie({{"cookie", "device=a"}, {"cookie", "device=b"}}, "device"),
            std::nullopt);
  EXPECT_EQ(UnambiguousCookie({{"cookie", "__Host-device=a"}}, "device"), std::nullopt);
  EXPECT_EQ(UnambiguousCookie({{"authorization", "device=a"}}, "device"), std::nullopt);
}

TEST(ExtractAccessTokenTest, ReadsBearerAuthorization) {
  const std::string header = std::string("Bearer ") + kToken;
  ASSERT_OK_AND_ASSIGN(std::string token, ExtractAccessToken({{"authorization", header}}));
  EXPECT_EQ(token, kToken);
  const std::string lower = std::string("bearer   ") + kToken;
  EXPECT_THAT(ExtractAccessToken({{"authorization", lower}}), IsOk());
}

TEST(ExtractAccessTokenTest, ReadsTheJwtTokenCookieAmongOthersWhenOptedIn) {
  const std::string cookie = std::string("theme=dark; jwt-token=") + kToken + "; user_id=42";
  ASSERT_OK_AND_ASSIGN(std::string token, ExtractAccessToken({{"cookie", cookie}}, kWithCookie));
  EXPECT_EQ(token, kToken);
}

TEST(ExtractAccessTokenTest, IgnoresTheCookieByDefault) {
  const std::string cookie = std::string("jwt-token=") + kToken;
  EXPECT_THAT(ExtractAccessToken({{"cookie", cookie}}),
              StatusIs(kUnauthenticated, AllOf(HasSubstr("missing"), Not(HasSubstr("cookie")))));
  // Not even a malformed or conflicting cookie matters then.
  const std::string header = std::string("Bearer ") + kToken;
  EXPECT_THAT(ExtractAccessToken({{"authorization", header}, {"cookie", "jwt-token=bbb"}}), IsOk());
}

TEST(ExtractAccessTokenTest, ReadsTheCookieOfTheNameGiven) {
  AccessTokenSources prefixed = kWithCookie;
  prefixed.cookie_name = "__Host-jwt-token";
  const std::string both = std::string("jwt-token=planted; __Host-jwt-token=") + kToken;
  ASSERT_OK_AND_ASSIGN(std::string token, ExtractAccessToken({{"cookie", both}}, prefixed));
  EXPECT_EQ(token, kToken);
  EXPECT_THAT(ExtractAccessToken({{"cookie", std::string("jwt-token=") + kToken}}, prefixed),
              StatusIs(kUnauthenticated, HasSubstr("__Host-jwt-token cookie")));
}

TEST(ExtractAccessTokenTest, AgreeingHeaderAndCookieAreFine) {
  const std::string header = std::string("Bearer ") + kToken;
  const std::string cookie = std::string("jwt-token=") + kToken;
  EXPECT_THAT(ExtractAccessToken({{"authorization", header}, {"cookie", cookie}}, kWithCookie),
              IsOk());
}

TEST(ExtractAccessTokenTest, RejectsMissingMalformedAndConflictingCredentials) {
  EXPECT_THAT(ExtractAccessToken({}), StatusIs(kUnauthenticated, HasSubstr("missing")));
  EXPECT_THAT(ExtractAccessToken({{"cookie", "theme=dark"}}), StatusIs(kUnauthenticated));
  EXPECT_THAT(ExtractAccessToken({{"x-other", "Bearer abc"}}), StatusIs(kUnauthenticated));
  for (const char* header : {"", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc",
                             "Bearer a b", "Bearer abc\x01", "Bearer ab\"c", "Bearerabc"}) {
    EXPECT_THAT(ExtractAccessToken({{"authorization", header}}), StatusIs(kUnauthenticated))
        << header;
  }
  EXPECT_THAT(ExtractAccessToken({{"cookie", "jwt-token="}}, kWithCookie),
              StatusIs(kUnauthenticated));
  EXPECT_THAT(
      ExtractAccessToken({{"authorization", "Bearer aaa"}, {"authorization", "Bearer bbb"}}),
      StatusIs(kUnauthenticated, HasSubstr("conflicting")));
  EXPECT_THAT(ExtractAccessToken({{"cookie", "jwt-token=aaa; jwt-token=bbb"}}, kWithCookie),
              StatusIs(kUnauthenticated, HasSubstr("conflicting")));
  EXPECT_THAT(ExtractAccessToken({{"authorization", "Bearer aaa"}, {"cookie", "jwt-token=bbb"}},
                                 kWithCookie),
              StatusIs(kUnauthenticated, HasSubstr("conflicting")));
}

TEST(ExtractAccessTokenTest, RejectsOversizedTokensWithoutEchoingThem) {
  const std::string huge(kMaxTokenBytes + 1, 'a');
  EXPECT_THAT(ExtractAccessToken({{"authorization", "Bearer " + huge}}),
              StatusIs(kUnauthenticated, Not(HasSubstr("aaaa"))));
  const std::string largest(kMaxTokenBytes, 'a');
  EXPECT_THAT(ExtractAccessToken({{"authorization", "Bearer " + largest}}), IsOk());
}

TEST(CookieValuesTest, FindsEveryCookieOfTheName) {
  EXPECT_THAT(CookieValues("a=1; refresh-token=xyz;b=2; refresh-token=w", "refresh-token"),
              ElementsAre("xyz", "w"));
  EXPECT_THAT(CookieValues("a=1; flag; b", "refresh-token"), IsEmpty());
}

TEST(MakeSetCookieTest, ScopesToThePathGiven) {
  EXPECT_EQ(
      MakeSetCookie("refresh-token", "r", absl::Hours(1), "/auth.v1.AuthService/RefreshToken"),
      "refresh-token=r; Path=/auth.v1.AuthService/RefreshToken; Max-Age=3600; HttpOnly; "
      "Secure; SameSite=Strict");
}

TEST(MakeSetCookieTest, CarriesTheStrictAttributes) {
  EXPECT_EQ(MakeSetCookie("jwt-token", "abc.def.ghi", absl::Minutes(15)),
            "jwt-token=abc.def.ghi; Path=/; Max-Age=900; HttpOnly; Secure; SameSite=Strict");
  EXPECT_EQ(MakeSetCookie("user_id", "42", absl::Seconds(59)),
            "user_id=42; Path=/; Max-Age=59; HttpOnly; Secure; SameSite=Strict");
}

}  // namespace
}  // namespace auth::authn
