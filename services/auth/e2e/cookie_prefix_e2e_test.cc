// --cookie_prefix end to end, over the HTTP front of the real auth_server: with `__Host-`, every
// cookie the service sets carries the prefix and the attributes browsers demand of it (Secure,
// Path=/, no Domain), the prefixed cookies are what it reads back, and cookies under the spec's
// plain names, what a sibling subdomain could plant, are ignored.
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "services/auth/e2e/http_fixture.h"

namespace auth::service_testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class CookiePrefixE2eTest : public HttpE2eTest {
 protected:
  void SetUp() override { StartServer(HttpFlags({"--cookie_prefix=__Host-"})); }
};

TEST_F(CookiePrefixE2eTest, HostPrefixedCookiesAreSetAndReadAndPlainOnesIgnored) {
  ASSERT_NO_FATAL_FAILURE(RegisterOverHttp("prefixed", "prefixed@example.com"));
  const HttpReply login =
      PostJson("Login", {{"email", "prefixed@example.com"}, {"passwordHash", kPassword}});
  ASSERT_EQ(login.status, 200) << login.body;
  const int user_id = nlohmann::json::parse(login.body)["userId"].get<int>();
  for (const char* name : {"__Host-user_id", "__Host-jwt-token", "__Host-refresh-token"}) {
    EXPECT_THAT(login.SetCookieLine(name), AllOf(HasSubstr("; Path=/;"), HasSubstr("; Secure"),
                                                 HasSubstr("; HttpOnly"), Not(HasSubstr("Domain"))))
        << name;
  }
  for (const std::string& line : login.cookies) EXPECT_THAT(line, StartsWith("__Host-"));
  const std::string access = login.Cookie("__Host-jwt-token");
  const std::string refresh = login.Cookie("__Host-refresh-token");
  ASSERT_FALSE(access.empty());
  ASSERT_FALSE(refresh.empty());

  // Read under the prefixed name only.
  HttpReply who =
      PostJson("GetSession", nlohmann::json::object(), {{"Cookie", "__Host-jwt-token=" + access}});
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_EQ(nlohmann::json::parse(who.body)["userId"].get<int>(), user_id);
  who = PostJson("GetSession", nlohmann::json::object(), {{"Cookie", "jwt-token=" + access}});
  EXPECT_EQ(who.status, 401) << who.body;
  HttpReply refused =
      PostJson("RefreshToken", nlohmann::json::object(), {{"Cookie", "refresh-token=" + refresh}});
  EXPECT_NE(refused.status, 200) << refused.body;
  EXPECT_TRUE(refused.cookies.empty());

  // A planted plain cookie beside the real one changes nothing.
  const HttpReply refreshed =
      PostJson("RefreshToken", nlohmann::json::object(),
               {{"Cookie", absl::StrCat("refresh-token=planted; __Host-refresh-token=", refresh)}});
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  const std::string new_access = refreshed.Cookie("__Host-jwt-token");
  ASSERT_FALSE(new_access.empty());
  EXPECT_THAT(refreshed.SetCookieLine("__Host-refresh-token"), HasSubstr("; Path=/;"));

  // Logout expires the prefixed cookies, at the paths they were set with.
  const HttpReply logout =
      PostJson("Logout", {{"userId", user_id}}, {{"Cookie", "__Host-jwt-token=" + new_access}});
  ASSERT_EQ(logout.status, 200) << logout.body;
  for (const char* name : {"__Host-user_id", "__Host-jwt-token", "__Host-refresh-token"}) {
    EXPECT_THAT(logout.SetCookieLine(name), AllOf(HasSubstr("Max-Age=0"), HasSubstr("; Path=/;")))
        << name;
  }
}

}  // namespace
}  // namespace auth::service_testing
