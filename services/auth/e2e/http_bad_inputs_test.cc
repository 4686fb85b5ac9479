// End-to-end tests of the HTTP front's answers to every kind of bad input and refused call, over
// real HTTP against the real server and database: each Connect status mapping, the 8 KiB body
// limit, bad JSON, unknown fields, wrong content types, bad gRPC-Web frames and base64,
// oversized headers, malformed requests. Each gets a clear 4xx (or the mapped 5xx), the server
// keeps serving, and nothing is stored. And connections that hold the front: the per-address
// bound and the header timeout, set by their flags.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "nlohmann/json.hpp"
#include "services/auth/e2e/http_fixture.h"

namespace auth::service_testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class HttpBadInputsTest : public HttpE2eTest {
 protected:
  // The Connect error code of a reply (its JSON body's "code").
  static std::string Code(const HttpReply& reply) {
    const nlohmann::json body = nlohmann::json::parse(reply.body, nullptr, false);
    return body.is_object() && body.contains("code") ? body["code"].get<std::string>() : "";
  }

  // Nothing was stored for `email`: logging in finds no such user.
  void ExpectNoUser(const std::string& email) {
    HttpReply login = PostJson("Login", {{"email", email}, {"passwordHash", kPassword}});
    EXPECT_EQ(login.status, 404) << email << ": " << login.body;
  }

  // The server still serves.
  void ExpectServing() {
    ASSERT_OK_AND_ASSIGN(HttpReply health, http().Get("/healthz"));
    EXPECT_EQ(health.status, 200);
    EXPECT_TRUE(server_->Running());
  }
};

TEST_F(HttpBadInputsTest, EveryStatusMapsToItsHttpStatus) {
  HttpReply invalid = PostJson(
      "Register",
      {{"username", "mapping_bad"}, {"email", "not-an-email"}, {"passwordHash", kPassword}});
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(Code(invalid), "invalid_argument");
  EXPECT_THAT(invalid.body, HasSubstr("email"));
  EXPECT_EQ(invalid.Header("content-type"), "application/json");

  ASSERT_NO_FATAL_FAILURE(RegisterOverHttp("mapping_user", "mapping@example.com"));
  HttpReply taken = PostJson("Register", {{"username", "mapping_user"},
                                          {"email", "mapping2@example.com"},
                                          {"passwordHash", kPassword}});
  EXPECT_EQ(taken.status, 409);
  EXPECT_EQ(Code(taken), "already_exists");

  HttpReply unknown =
      PostJson("Login", {{"email", "nobody@example.com"}, {"passwordHash", kPassword}});
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Code(unknown), "not_found");

  const std::string wrong_password = "wrong-client-digest-00000000";
  HttpReply wrong =
      PostJson("Login", {{"email", "mapping@example.com"}, {"passwordHash", wrong_password}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(Code(wrong), "unauthenticated");
  EXPECT_THAT(wrong.body, Not(HasSubstr(wrong_password)));

  HttpReply login =
      PostJson("Login", {{"email", "mapping@example.com"}, {"passwordHash", kPassword}});
  ASSERT_EQ(login.status, 200);
  const int user_id = nlohmann::json::parse(login.body)["userId"].get<int>();
  HttpReply other = PostJson("Logout", {{"userId", user_id + 1000}},
                             {{"Authorization", "Bearer " + login.Cookie("jwt-token")}});
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(Code(other), "permission_denied");
}

TEST_F(HttpBadInputsTest, AbuseLimitAnswers429WithRetryAfter) {
  RestartHttpServer({"--login_failures_per_account=2"});
  ASSERT_NO_FATAL_FAILURE(RegisterOverHttp("limited_user", "limited@example.com"));
  const nlohmann::json wrong = {{"email", "limited@example.com"},
                                {"passwordHash", "wrong-client-digest-00000000"}};
  EXPECT_EQ(PostJson("Login", wrong).status, 401);
  EXPECT_EQ(PostJson("Login", wrong).status, 401);
  HttpReply limited = PostJson("Login", wrong);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(Code(limited), "resource_exhausted");
  int retry_after = 0;
  EXPECT_TRUE(absl::SimpleAtoi(limited.Header("retry-after"), &retry_after))
      << limited.Header("retry-after");
  EXPECT_GT(retry_after, 0);
  // gRPC-Web carries it as a trailer.
  auth::v1::LoginRequest request;
  request.set_email("limited@example.com");
  request.set_password_hash(kPassword);
  GrpcWebReply web = CallGrpcWeb("Login", request.SerializeAsString(), /*text=*/false);
  EXPECT_EQ(web.trailers["grpc-status"], "8");
  EXPECT_FALSE(web.trailers["retry-after"].empty());
}

TEST_F(HttpBadInputsTest, ClientDeadlineAnswers504) {
  // Hashing that takes far longer than the client's 5 ms.
  RestartHttpServer({"--argon2_memory_kib=65536", "--argon2_iterations=4"});
  HttpReply late = PostJson(
      "Register",
      {{"username", "late_user"}, {"email", "late@example.com"}, {"passwordHash", kPassword}},
      {{"Connect-Timeout-Ms", "5"}});
  EXPECT_EQ(late.status, 504) << late.body;
  EXPECT_EQ(Code(late), "deadline_exceeded");
}

TEST_F(HttpBadInputsTest, BodiesOverEightKibAreRefused) {
  const std::string huge_name(9 * 1024, 'a');
  HttpReply reply = PostJson(
      "Register",
      {{"username", huge_name}, {"email", "huge@example.com"}, {"passwordHash", kPassword}});
  EXPECT_EQ(reply.status, 413);
  ExpectNoUser("huge@example.com");
  ExpectServing();
}

TEST_F(HttpBadInputsTest, MalformedJsonUnknownFieldsAndWrongTypesAre400) {
  const std::vector<std::string> bodies = {
      R"({"username":"json_user1","email":"json1@example.com","passwordHash":)",
      R"({"username":"json_user2","email":"json2@example.com",)"
      R"("passwordHash":"e2e-client-digest-0123456789","admin":true})",
      R"({"username":"json_user3","email":"json3@example.com","passwordHash":5})",
      R"(["j4","json4@example.com"])",
      "",
      "\xff\xfe{}",
  };
  for (const std::string& body : bodies) {
    ASSERT_OK_AND_ASSIGN(HttpReply reply,
                         http().Post("/auth.v1.AuthService/Register", "application/json", body));
    EXPECT_EQ(reply.status, 400) << body;
    EXPECT_EQ(Code(reply), "invalid_argument") << body;
    EXPECT_THAT(reply.body, HasSubstr("auth.v1.RegisterRequest")) << body;
  }
  for (int i = 1; i <= 3; ++i) ExpectNoUser(absl::StrCat("json", i, "@example.com"));
  ExpectServing();
}

TEST_F(HttpBadInputsTest, OtherContentTypesAre415) {
  const std::string body = R"({"username":"ct_user","email":"ct@example.com",)"
                           R"("passwordHash":"e2e-client-digest-0123456789"})";
  for (const char* type :
       {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/grpc", "application/grpc-web+json"}) {
    ASSERT_OK_AND_ASSIGN(HttpReply reply, http().Post("/auth.v1.AuthService/Register", type, body));
    EXPECT_EQ(reply.status, 415) << type;
    EXPECT_EQ(Code(reply), "invalid_argument") << type;
  }
  ASSERT_OK_AND_ASSIGN(HttpReply untyped,
                       http().Send("POST", "/auth.v1.AuthService/Register", {}, body));
  EXPECT_EQ(untyped.status, 415);
  ExpectNoUser("ct@example.com");
}

TEST_F(HttpBadInputsTest, BadGrpcWebBodiesAre400) {
  auth::v1::RegisterRequest request;
  request.set_username("gw_user");
  request.set_email("gw@example.com");
  request.set_password_hash(kPassword);
  const std::string message = request.SerializeAsString();
  std::string framed = std::string(1, '\0') + std::string(3, '\0') +
                       std::string(1, static_cast<char>(message.size())) + message;
  struct Case {
    const char* content_type;
    std::string body;
  };
  for (const Case& c :
       {Case{"application/grpc-web-text", "not*base64!"},
        Case{"application/grpc-web-text", "QUJD"},  // "ABC": no whole frame
        Case{"application/grpc-web+proto", framed.substr(0, framed.size() - 2)},
        Case{"application/grpc-web+proto", framed + framed},
        Case{"application/grpc-web+proto", std::string(1, '\x01') + framed.substr(1)}}) {
    ASSERT_OK_AND_ASSIGN(HttpReply reply,
                         http().Post("/auth.v1.AuthService/Register", c.content_type, c.body));
    EXPECT_EQ(reply.status, 400) << c.content_type;
    EXPECT_EQ(reply.Header("grpc-status"), "3") << c.content_type;  // INVALID_ARGUMENT
    EXPECT_FALSE(reply.Header("grpc-message").empty());
  }
  ExpectNoUser("gw@example.com");
  ExpectServing();
}

TEST_F(HttpBadInputsTest, OversizedHeadersAre431) {
  ASSERT_OK_AND_ASSIGN(HttpReply reply,
                       http().Post("/auth.v1.AuthService/Register", "application/json",
                                   R"({"username":"hd_user","email":"hd@example.com",)"
                                   R"("passwordHash":"e2e-client-digest-0123456789"})",
                                   {{"Cookie", "jwt-token=" + std::string(10 * 1024, 'a')}}));
  EXPECT_EQ(reply.status, 431);
  ExpectNoUser("hd@example.com");
  ExpectServing();
}

TEST_F(HttpBadInputsTest, MalformedRequestsAre400) {
  for (const std::string& raw :
       {std::string("NONSENSE\r\n\r\n"), std::string("GET /healthz HTTP/9.9\r\n\r\n"),
        std::string("POST /auth.v1.AuthService/Login HTTP/1.1\r\nHost: x\r\n"
                    "Content-Length: abc\r\n\r\n")}) {
    ASSERT_OK_AND_ASSIGN(HttpReply reply, http().SendRaw(raw));
    EXPECT_EQ(reply.status, 400) << raw;
  }
  ExpectServing();
}

// How long until the server closes `fd` (it reads end of stream), or nullopt after `within`.
std::optional<absl::Duration> TimeToClose(int fd, absl::Duration within) {
  const absl::Time start = absl::Now();
  pollfd readable{fd, POLLIN, 0};
  if (poll(&readable, 1, static_cast<int>(absl::ToInt64Milliseconds(within))) != 1) {
    return std::nullopt;
  }
  char byte;
  if (recv(fd, &byte, 1, 0) > 0) return std::nullopt;
  return absl::Now() - start;
}

// The real binary with --http_max_connections_per_address and --http_header_timeout: one
// address holds its allowance and no more, the others are served, and silent connections go.
TEST_F(HttpBadInputsTest, ConnectionBoundsPerAddressAndHeaderTimeoutFromTheFlags) {
  RestartHttpServer({"--http_max_connections_per_address=3", "--http_header_timeout=1s"});
  const int port = server_->http_port();
  std::vector<int> held;
  for (int i = 0; i < 3; ++i) held.push_back(ConnectFrom("127.0.0.2", port));
  const int over = ConnectFrom("127.0.0.2", port);
  ASSERT_GE(over, 0);
  EXPECT_TRUE(TimeToClose(over, absl::Milliseconds(500)).has_value()) << "over the bound";
  close(over);
  ExpectServing();  // from 127.0.0.1
  for (int fd : held) {
    ASSERT_GE(fd, 0);
    const std::optional<absl::Duration> closed = TimeToClose(fd, absl::Seconds(5));
    ASSERT_TRUE(closed.has_value()) << "a silent connection outlived 5 s";
    EXPECT_LT(*closed, absl::Seconds(3));
    close(fd);
  }
}

}  // namespace
}  // namespace auth::service_testing
