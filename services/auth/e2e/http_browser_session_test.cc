// End-to-end tests of a browser's session over the HTTP front (issue 21, items 2 and 3): the real
// auth_server binary against a real MariaDB, over real HTTP/1.1.
//   - A browser's call (it sends Origin or Sec-Fetch-Site) gets its tokens in HttpOnly cookies
//     only: Login's and RefreshToken's bodies (Connect JSON and proto, gRPC-Web) carry none, so
//     a page script cannot read them. Other HTTP clients keep them in the body.
//   - Sign-out works once the access token has expired: the refresh-token cookie reaches Logout,
//     which ends that token's family (or every session of its user); every answer, refusals
//     included, expires every cookie.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "nlohmann/json.hpp"
#include "services/auth/e2e/http_fixture.h"

namespace auth::service_testing {
namespace {

using ::testing::HasSubstr;

// The headers a browser adds to a same-origin POST: either one marks a browser's call.
HttpHeaders OriginOnly(const std::string& own_origin) { return {{"Origin", own_origin}}; }
HttpHeaders FetchSiteOnly() { return {{"Sec-Fetch-Site", "same-origin"}}; }

HttpHeaders With(HttpHeaders headers, const std::string& name, const std::string& value) {
  headers.emplace_back(name, value);
  return headers;
}

TEST_F(HttpE2eTest, BrowsersGetTheirTokensInCookiesOnly) {
  ASSERT_NO_FATAL_FAILURE(RegisterOverHttp("browser_user", "browser@example.com"));
  const nlohmann::json credentials = {{"email", "browser@example.com"},
                                      {"passwordHash", kPassword}};
  const std::string own_origin = "http://" + http().host_header();
  for (const HttpHeaders& browser : {OriginOnly(own_origin), FetchSiteOnly()}) {
    SCOPED_TRACE(browser[0].first);
    HttpReply login = PostJson("Login", credentials, browser);
    ASSERT_EQ(login.status, 200) << login.body;
    nlohmann::json body = nlohmann::json::parse(login.body);
    EXPECT_GT(body["userId"].get<int>(), 0);
    EXPECT_FALSE(body.contains("jwtToken")) << login.body;
    EXPECT_FALSE(body.contains("refreshToken")) << login.body;
    EXPECT_FALSE(login.Cookie("jwt-token").empty());
    ASSERT_FALSE(login.Cookie("refresh-token").empty());

    // A page script posting {} to RefreshToken (its cookie rides along) reads no token.
    HttpReply refreshed =
        PostJson("RefreshToken", nlohmann::json::object(),
                 With(browser, "Cookie", "refresh-token=" + login.Cookie("refresh-token")));
    ASSERT_EQ(refreshed.status, 200) << refreshed.body;
    body = nlohmann::json::parse(refreshed.body);
    EXPECT_GT(body["userId"].get<int>(), 0);
    EXPECT_FALSE(body.contains("jwtToken")) << refreshed.body;
    EXPECT_FALSE(body.contains("refreshToken")) << refreshed.body;
    EXPECT_FALSE(refreshed.Cookie("jwt-token").empty());
    EXPECT_FALSE(refreshed.Cookie("refresh-token").empty());
    EXPECT_NE(refreshed.Cookie("refresh-token"), login.Cookie("refresh-token"));
  }

  // The proto forms: gRPC-Web and Connect proto leave the message's token fields empty too.
  auth::v1::LoginRequest request;
  request.set_email("browser@example.com");
  request.set_password_hash(kPassword);
  GrpcWebReply grpc_web =
      CallGrpcWeb("Login", request.SerializeAsString(), /*text=*/false, OriginOnly(own_origin));
  ASSERT_EQ(grpc_web.trailers["grpc-status"], "0") << grpc_web.http.body;
  auth::v1::LoginResponse response;
  ASSERT_TRUE(response.ParseFromString(grpc_web.message));
  EXPECT_GT(response.user_id(), 0);
  EXPECT_TRUE(response.jwt_token().empty());
  EXPECT_TRUE(response.refresh_token().empty());
  EXPECT_FALSE(grpc_web.http.Cookie("jwt-token").empty());
  ASSERT_OK_AND_ASSIGN(HttpReply proto,
                       http().Post("/auth.v1.AuthService/Login", "application/proto",
                                   request.SerializeAsString(), FetchSiteOnly()));
  ASSERT_EQ(proto.status, 200) << proto.body;
  ASSERT_TRUE(response.ParseFromString(proto.body));
  EXPECT_TRUE(response.jwt_token().empty());
  EXPECT_TRUE(response.refresh_token().empty());
  EXPECT_FALSE(proto.Cookie("refresh-token").empty());

  // Clients that are no browser keep the tokens in the body, as the spec's Login requires.
  HttpReply login = PostJson("Login", credentials);
  ASSERT_EQ(login.status, 200) << login.body;
  nlohmann::json body = nlohmann::json::parse(login.body);
  EXPECT_EQ(body["jwtToken"].get<std::string>(), login.Cookie("jwt-token"));
  EXPECT_EQ(body["refreshToken"].get<std::string>(), login.Cookie("refresh-token"));
  HttpReply refreshed = PostJson("RefreshToken", {{"refreshToken", login.Cookie("refresh-token")}});
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  body = nlohmann::json::parse(refreshed.body);
  EXPECT_EQ(body["refreshToken"].get<std::string>(), refreshed.Cookie("refresh-token"));
  grpc_web = CallGrpcWeb("Login", request.SerializeAsString(), /*text=*/true);
  ASSERT_TRUE(response.ParseFromString(grpc_web.message));
  EXPECT_EQ(response.jwt_token(), grpc_web.http.Cookie("jwt-token"));
}

void ExpectEveryCookieExpired(const HttpReply& reply) {
  for (const char* name : {"user_id", "jwt-token", "refresh-token"}) {
    EXPECT_THAT(reply.SetCookieLine(name), HasSubstr("Max-Age=0")) << name;
  }
}

TEST_F(HttpE2eTest, SignOutWithOnlyTheRefreshTokenCookieAfterTheAccessTokenExpired) {
  // Access tokens of one second: their cookies are gone by the time the user signs out.
  RestartHttpServer({"--token_lifetime=1s"});
  ASSERT_NO_FATAL_FAILURE(RegisterOverHttp("idle_user", "idle@example.com"));
  ASSERT_NO_FATAL_FAILURE(RegisterOverHttp("other_user", "other@example.com"));
  const nlohmann::json idle = {{"email", "idle@example.com"}, {"passwordHash", kPassword}};
  const HttpReply here = PostJson("Login", idle);
  const HttpReply elsewhere = PostJson("Login", idle);
  const HttpReply other =
      PostJson("Login", {{"email", "other@example.com"}, {"passwordHash", kPassword}});
  for (const HttpReply* login : {&here, &elsewhere, &other}) ASSERT_EQ(login->status, 200);
  const int user_id = nlohmann::json::parse(here.body)["userId"].get<int>();
  absl::SleepFor(absl::Milliseconds(1500));  // the access tokens and their cookies expire

  // What an idle browser sends: its refresh-token cookie, the only one left.
  const HttpHeaders browser = {{"Origin", "http://" + http().host_header()},
                               {"Sec-Fetch-Site", "same-origin"}};
  auto cookie_of = [&](const HttpReply& login) {
    return With(browser, "Cookie", "refresh-token=" + login.Cookie("refresh-token"));
  };
  const nlohmann::json this_session = {{"userId", user_id}, {"currentSessionOnly", true}};

  // Another user's refresh token: refused, and nothing of theirs ends; the cookies go anyway.
  HttpReply denied = PostJson("Logout", this_session, cookie_of(other));
  EXPECT_EQ(denied.status, 403) << denied.body;
  ExpectEveryCookieExpired(denied);
  HttpReply unknown = PostJson("Logout", this_session,
                               With(browser, "Cookie", "refresh-token=not-a-refresh-token"));
  EXPECT_EQ(unknown.status, 401) << unknown.body;
  ExpectEveryCookieExpired(unknown);

  HttpReply signed_out = PostJson("Logout", this_session, cookie_of(here));
  ASSERT_EQ(signed_out.status, 200) << signed_out.body;
  EXPECT_EQ(nlohmann::json::parse(signed_out.body)["message"], "User logout successfully");
  ExpectEveryCookieExpired(signed_out);

  // That refresh token is revoked (the next person at this computer cannot use it); the user's
  // other session and the other user's live on.
  EXPECT_EQ(PostJson("RefreshToken", nlohmann::json::object(), cookie_of(here)).status, 401);
  EXPECT_EQ(PostJson("RefreshToken", nlohmann::json::object(), cookie_of(other)).status, 200);
  HttpReply refreshed = PostJson("RefreshToken", nlohmann::json::object(), cookie_of(elsewhere));
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;

  // Without currentSessionOnly: every session of the user ends.
  const HttpReply third = PostJson("Login", idle);
  ASSERT_EQ(third.status, 200);
  HttpReply everywhere = PostJson("Logout", {{"userId", user_id}}, cookie_of(refreshed));
  ASSERT_EQ(everywhere.status, 200) << everywhere.body;
  ExpectEveryCookieExpired(everywhere);
  EXPECT_EQ(PostJson("RefreshToken", nlohmann::json::object(), cookie_of(third)).status, 401);
  EXPECT_EQ(PostJson("RefreshToken", nlohmann::json::object(), cookie_of(refreshed)).status, 401);
}

}  // namespace
}  // namespace auth::service_testing
