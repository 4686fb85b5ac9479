// End-to-end tests of the HTTP front (--http_listen): the real auth_server binary against a
// real MariaDB, spoken to over real HTTP/1.1. The browser session (Connect JSON with cookies),
// the gRPC-Web and Connect proto forms, the CSRF and CORS rules, /healthz, the JWKS document
// and the static assets. Bad inputs are in http_bad_inputs_test.cc.
#include <csignal>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "nlohmann/json.hpp"
#include "services/auth/e2e/http_fixture.h"

namespace auth::service_testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(HttpE2eTest, BrowserSessionByCookies) {
  ASSERT_NO_FATAL_FAILURE(RegisterOverHttp("cookie_user", "cookie@example.com"));
  HttpReply login =
      PostJson("Login", {{"email", "cookie@example.com"}, {"passwordHash", kPassword}});
  ASSERT_EQ(login.status, 200) << login.body;
  const nlohmann::json body = nlohmann::json::parse(login.body);
  const int user_id = body["userId"].get<int>();
  EXPECT_GT(user_id, 0);
  EXPECT_EQ(login.Cookie("jwt-token"), body["jwtToken"].get<std::string>());
  EXPECT_EQ(login.Cookie("user_id"), std::to_string(user_id));
  EXPECT_THAT(login.SetCookieLine("jwt-token"),
              AllOf(HasSubstr("; Path=/;"), HasSubstr("; HttpOnly"), HasSubstr("; Secure"),
                    HasSubstr("; SameSite=Strict")));
  EXPECT_THAT(login.SetCookieLine("user_id"), HasSubstr("; SameSite=Strict"));
  EXPECT_THAT(login.SetCookieLine("refresh-token"),
              AllOf(HasSubstr("; Path=/auth.v1.AuthService/;"), HasSubstr("; HttpOnly"),
                    HasSubstr("; Secure"), HasSubstr("; SameSite=Strict")));
  const std::string session_cookie =
      absl::StrCat("user_id=", user_id, "; jwt-token=", login.Cookie("jwt-token"));

  // Who am I, by cookie and by Bearer.
  HttpReply who = PostJson("GetSession", nlohmann::json::object(), {{"Cookie", session_cookie}});
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_EQ(nlohmann::json::parse(who.body)["userId"].get<int>(), user_id);
  who = PostJson("GetSession", nlohmann::json::object(),
                 {{"Authorization", "Bearer " + login.Cookie("jwt-token")}});
  EXPECT_EQ(who.status, 200) << who.body;

  // Refresh by the cookie alone: new cookies, and the old access token's session ended.
  HttpReply refreshed =
      PostJson("RefreshToken", nlohmann::json::object(),
               {{"Cookie", absl::StrCat("refresh-token=", login.Cookie("refresh-token"))}});
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  const std::string new_token = refreshed.Cookie("jwt-token");
  EXPECT_FALSE(new_token.empty());
  EXPECT_NE(new_token, login.Cookie("jwt-token"));
  EXPECT_NE(refreshed.Cookie("refresh-token"), login.Cookie("refresh-token"));
  const std::string new_cookie = absl::StrCat("user_id=", user_id, "; jwt-token=", new_token);

  // Logout by cookie expires every cookie; the session is gone.
  HttpReply logout = PostJson("Logout", {{"userId", user_id}}, {{"Cookie", new_cookie}});
  ASSERT_EQ(logout.status, 200) << logout.body;
  EXPECT_EQ(nlohmann::json::parse(logout.body)["message"], "User logout successfully");
  for (const char* name : {"user_id", "jwt-token", "refresh-token"}) {
    EXPECT_THAT(logout.SetCookieLine(name), HasSubstr("Max-Age=0")) << name;
  }
  EXPECT_THAT(logout.SetCookieLine("refresh-token"), HasSubstr("Path=/auth.v1.AuthService/;"));
  who = PostJson("GetSession", nlohmann::json::object(), {{"Cookie", new_cookie}});
  EXPECT_EQ(who.status, 401);
  EXPECT_EQ(nlohmann::json::parse(who.body)["code"], "unauthenticated");
}

TEST_F(HttpE2eTest, GrpcWebBinaryAndText) {
  ASSERT_NO_FATAL_FAILURE(RegisterOverHttp("grpcweb_user", "grpcweb@example.com"));
  auth::v1::LoginRequest request;
  request.set_email("grpcweb@example.com");
  request.set_password_hash(kPassword);
  for (const bool text : {false, true}) {
    SCOPED_TRACE(text ? "grpc-web-text" : "grpc-web+proto");
    GrpcWebReply reply = CallGrpcWeb("Login", request.SerializeAsString(), text);
    ASSERT_EQ(reply.http.status, 200) << reply.http.body;
    EXPECT_EQ(reply.trailers["grpc-status"], "0");
    auth::v1::LoginResponse response;
    ASSERT_TRUE(response.ParseFromString(reply.message));
    EXPECT_GT(response.user_id(), 0);
    EXPECT_EQ(reply.http.Cookie("jwt-token"), response.jwt_token());
  }
  request.set_password_hash("wrong-client-digest-000000000");
  GrpcWebReply refused = CallGrpcWeb("Login", request.SerializeAsString(), /*text=*/false);
  EXPECT_EQ(refused.http.status, 200);
  EXPECT_EQ(refused.trailers["grpc-status"], "16");  // UNAUTHENTICATED
  EXPECT_TRUE(refused.message.empty());
  EXPECT_TRUE(refused.http.cookies.empty());
}

TEST_F(HttpE2eTest, ConnectProto) {
  auth::v1::RegisterRequest request;
  request.set_username("proto_user");
  request.set_email("proto@example.com");
  request.set_password_hash(kPassword);
  ASSERT_OK_AND_ASSIGN(HttpReply reply,
                       http().Post("/auth.v1.AuthService/Register", "application/proto",
                                   request.SerializeAsString()));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.Header("content-type"), "application/proto");
  auth::v1::RegisterResponse response;
  ASSERT_TRUE(response.ParseFromString(reply.body));
  EXPECT_EQ(response.status(), 201);
}

TEST_F(HttpE2eTest, ForeignOriginsAreRefusedBeforeAnyWork) {
  ASSERT_NO_FATAL_FAILURE(RegisterOverHttp("csrf_user", "csrf@example.com"));
  HttpReply login = PostJson("Login", {{"email", "csrf@example.com"}, {"passwordHash", kPassword}});
  ASSERT_EQ(login.status, 200);
  const int user_id = nlohmann::json::parse(login.body)["userId"].get<int>();
  const std::string cookie = absl::StrCat("jwt-token=", login.Cookie("jwt-token"));

  // Another port of the same host is the same site: SameSite=Strict would send the cookie.
  for (const HttpHeaders& foreign :
       {HttpHeaders{{"Origin", "http://127.0.0.1:1"}, {"Sec-Fetch-Site", "same-site"}},
        HttpHeaders{{"Origin", "null"}}, HttpHeaders{{"Sec-Fetch-Site", "cross-site"}}}) {
    HttpHeaders headers = foreign;
    headers.emplace_back("Cookie", cookie);
    HttpReply refused = PostJson("Logout", {{"userId", user_id}}, headers);
    EXPECT_EQ(refused.status, 403) << refused.body;
    EXPECT_EQ(nlohmann::json::parse(refused.body)["code"], "permission_denied");
    EXPECT_TRUE(refused.cookies.empty());
    EXPECT_TRUE(refused.Header("access-control-allow-origin").empty());
  }
  // A foreign page's HTML form (a "simple" request, sent without a preflight): refused for its
  // origin, not only for its content type.
  ASSERT_OK_AND_ASSIGN(
      HttpReply form,
      http().Post("/auth.v1.AuthService/Logout", "application/x-www-form-urlencoded",
                  absl::StrCat("userId=", user_id),
                  {{"Cookie", cookie}, {"Origin", "http://127.0.0.1:1"}}));
  EXPECT_EQ(form.status, 403) << form.body;
  EXPECT_TRUE(form.cookies.empty());
  HttpReply who = PostJson("GetSession", nlohmann::json::object(), {{"Cookie", cookie}});
  EXPECT_EQ(who.status, 200) << "the refused logouts ended the session";

  // The allowed origin, and the server's own, may call.
  HttpReply allowed = PostJson("GetSession", nlohmann::json::object(),
                               {{"Cookie", cookie}, {"Origin", kAllowedOrigin}});
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(allowed.Header("access-control-allow-origin"), kAllowedOrigin);
  EXPECT_EQ(allowed.Header("access-control-allow-credentials"), "true");
  HttpReply own = PostJson("Logout", {{"userId", user_id}},
                           {{"Cookie", cookie},
                            {"Origin", "http://" + http().host_header()},
                            {"Sec-Fetch-Site", "same-origin"}});
  EXPECT_EQ(own.status, 200) << own.body;
}

// DNS rebinding (issue 21, item 7): the attacker's name resolves to the server, so the
// victim's browser sends the attacker page's Origin with a matching Host. The server answers
// only for its own origins (a loopback listener: its loopback ones; else --http_public_origins),
// so this is 421 before any work: no CORS grant, the CSRF check never reached, the session kept.
TEST_F(HttpE2eTest, DnsRebindingIsRefusedWith421) {
  ASSERT_NO_FATAL_FAILURE(RegisterOverHttp("rebind_user", "rebind@example.com"));
  HttpReply login =
      PostJson("Login", {{"email", "rebind@example.com"}, {"passwordHash", kPassword}});
  ASSERT_EQ(login.status, 200);
  const int user_id = nlohmann::json::parse(login.body)["userId"].get<int>();
  const std::string cookie = absl::StrCat("jwt-token=", login.Cookie("jwt-token"));
  const std::string evil = absl::StrCat("evil.test:", server_->http_port());
  const HttpHeaders rebound = {{"Host", evil}, {"Origin", "http://" + evil}, {"Cookie", cookie}};

  HttpHeaders preflight = rebound;
  preflight.emplace_back("Access-Control-Request-Method", "POST");
  ASSERT_OK_AND_ASSIGN(HttpReply refused_preflight,
                       http().Send("OPTIONS", "/auth.v1.AuthService/Logout", preflight));
  EXPECT_EQ(refused_preflight.status, 421);
  EXPECT_TRUE(refused_preflight.Header("access-control-allow-origin").empty());
  HttpReply refused = PostJson("Logout", {{"userId", user_id}}, rebound);
  EXPECT_EQ(refused.status, 421) << refused.body;
  EXPECT_TRUE(refused.cookies.empty());
  EXPECT_TRUE(refused.Header("access-control-allow-origin").empty());
  HttpReply who = PostJson("GetSession", nlohmann::json::object(), {{"Cookie", cookie}});
  EXPECT_EQ(who.status, 200) << "the rebound logout ended the session";

  // With --http_public_origins, those are the server's own, and only they.
  RestartHttpServer({"--http_public_origins=http://auth.test"});
  HttpReply public_host = PostJson("GetSession", nlohmann::json::object(),
                                   {{"Host", "auth.test"}, {"Origin", "http://auth.test"}});
  EXPECT_EQ(public_host.status, 401) << public_host.body;  // served: no session cookie sent
  EXPECT_EQ(public_host.Header("access-control-allow-origin"), "http://auth.test");
  for (const std::string& host : {evil, http().host_header()}) {
    HttpReply misdirected = PostJson("GetSession", nlohmann::json::object(),
                                     {{"Host", host}, {"Origin", "http://" + host}});
    EXPECT_EQ(misdirected.status, 421) << host;
  }
}

TEST_F(HttpE2eTest, CorsPreflightOnlyForAllowedOrigins) {
  const HttpHeaders preflight = {{"Access-Control-Request-Method", "POST"},
                                 {"Access-Control-Request-Headers", "content-type"}};
  HttpHeaders allowed = preflight;
  allowed.emplace_back("Origin", kAllowedOrigin);
  ASSERT_OK_AND_ASSIGN(HttpReply ok, http().Send("OPTIONS", "/auth.v1.AuthService/Login", allowed));
  EXPECT_EQ(ok.status, 204);
  EXPECT_EQ(ok.Header("access-control-allow-origin"), kAllowedOrigin);
  EXPECT_THAT(ok.Header("access-control-allow-headers"), HasSubstr("content-type"));
  HttpHeaders foreign = preflight;
  foreign.emplace_back("Origin", "https://evil.example");
  ASSERT_OK_AND_ASSIGN(HttpReply refused,
                       http().Send("OPTIONS", "/auth.v1.AuthService/Login", foreign));
  EXPECT_EQ(refused.status, 403);
  EXPECT_TRUE(refused.Header("access-control-allow-origin").empty());
}

TEST_F(HttpE2eTest, HealthJwksAndStaticAssets) {
  ASSERT_OK_AND_ASSIGN(HttpReply health, http().Get("/healthz"));
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "SERVING\n");

  ASSERT_OK_AND_ASSIGN(HttpReply jwks, http().Get("/.well-known/jwks.json"));
  EXPECT_EQ(jwks.status, 200);
  EXPECT_THAT(jwks.Header("cache-control"), HasSubstr("max-age="));
  grpc::ClientContext context;
  auth::v1::GetJwksResponse grpc_jwks;
  ASSERT_TRUE(stub_->GetJwks(&context, auth::v1::GetJwksRequest(), &grpc_jwks).ok());
  EXPECT_EQ(jwks.body, grpc_jwks.jwks_json());
  EXPECT_THAT(nlohmann::json::parse(jwks.body)["keys"][0]["kty"], "OKP");

  ASSERT_OK_AND_ASSIGN(HttpReply page, http().Get("/"));
  EXPECT_EQ(page.status, 200);
  EXPECT_THAT(page.Header("content-security-policy"),
              AllOf(HasSubstr("default-src 'none'"), HasSubstr("script-src 'self'"),
                    HasSubstr("frame-ancestors 'none'"), Not(HasSubstr("unsafe-inline"))));
  EXPECT_EQ(page.Header("x-content-type-options"), "nosniff");
  EXPECT_THAT(page.Header("content-type"), HasSubstr("text/html"));

  ASSERT_OK_AND_ASSIGN(HttpReply missing, http().Get("/no/such/page"));
  EXPECT_EQ(missing.status, 404);
  ASSERT_OK_AND_ASSIGN(HttpReply get_rpc, http().Get("/auth.v1.AuthService/Login"));
  EXPECT_EQ(get_rpc.status, 405);
  ASSERT_OK_AND_ASSIGN(HttpReply no_method,
                       http().Post("/auth.v1.AuthService/NoSuchMethod", "application/json", "{}"));
  EXPECT_EQ(no_method.status, 404);
}

TEST_F(HttpE2eTest, HealthzFollowsTheGrpcHealthStatusDuringTheDrain) {
  // The SIGTERM drain reports NOT_SERVING while still serving (RELIABILITY.md).
  RestartHttpServer({"--shutdown_drain_delay=3s"});
  ASSERT_EQ(::kill(server_->process().pid(), SIGTERM), 0);
  absl::SleepFor(absl::Milliseconds(500));
  ASSERT_OK_AND_ASSIGN(HttpReply draining, http().Get("/healthz"));
  EXPECT_EQ(draining.status, 503);
  EXPECT_EQ(draining.body, "NOT_SERVING\n");
}

}  // namespace
}  // namespace auth::service_testing
