// HttpTestClient: a plain HTTP/1.1 client for tests of the auth server's HTTP front, on
// Boost.Beast, one connection per request (so each request is seen alone, as curl sends it).
//
//   HttpTestClient client(server->http_port());
//   ASSERT_OK_AND_ASSIGN(HttpReply reply,
//                        client.Post("/auth.v1.AuthService/Login", "application/json", body));
//   EXPECT_EQ(reply.status, 200);
//   EXPECT_THAT(reply.cookies, Contains(HasSubstr("jwt-token=")));
#ifndef SERVICES_AUTH_TESTING_HTTP_TEST_CLIENT_H_
#define SERVICES_AUTH_TESTING_HTTP_TEST_CLIENT_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::service_testing {

struct HttpReply {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // lowercase names
  std::vector<std::string> cookies;                 // the Set-Cookie values, in order
  std::string body;

  // The first value of header `name` (lowercase), or "".
  std::string Header(absl::string_view name) const;
  // The value of cookie `name` among `cookies` ("" if not set).
  std::string Cookie(absl::string_view name) const;
  // The Set-Cookie line of cookie `name` ("" if not set).
  std::string SetCookieLine(absl::string_view name) const;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

class HttpTestClient {
 public:
  explicit HttpTestClient(int port, std::string host = "127.0.0.1")
      : port_(port), host_(std::move(host)) {}

  // One request; the Host header is host:port unless `headers` name one.
  absl::StatusOr<HttpReply> Send(absl::string_view method, absl::string_view target,
                                 const HttpHeaders& headers = {}, const std::string& body = "");
  absl::StatusOr<HttpReply> Get(absl::string_view target, const HttpHeaders& headers = {}) {
    return Send("GET", target, headers);
  }
  absl::StatusOr<HttpReply> Post(absl::string_view target, absl::string_view content_type,
                                 const std::string& body, HttpHeaders headers = {}) {
    headers.emplace_back("Content-Type", std::string(content_type));
    return Send("POST", target, headers, body);
  }

  // Writes `raw` bytes as they are and reads one response (for requests a well-behaved client
  // cannot send).
  absl::StatusOr<HttpReply> SendRaw(const std::string& raw);

  std::string host_header() const;

 private:
  int port_;
  std::string host_;
};

}  // namespace auth::service_testing

#endif  // SERVICES_AUTH_TESTING_HTTP_TEST_CLIENT_H_
