// HttpE2eTest: the fixture of the HTTP front's end-to-end tests (http_e2e_test.cc,
// http_bad_inputs_test.cc): AuthServerE2eTest's real server and database, with the HTTP front
// on a free port and one allowed foreign origin, called over real HTTP/1.1.
#ifndef SERVICES_AUTH_E2E_HTTP_FIXTURE_H_
#define SERVICES_AUTH_E2E_HTTP_FIXTURE_H_

#include <map>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "services/auth/e2e/e2e_fixture.h"
#include "services/auth/testing/http_test_client.h"
#include "services/auth/testing/test_password.h"

namespace auth::service_testing {

// The one origin besides the server's own that the tests' servers allow.
inline constexpr char kAllowedOrigin[] = "http://allowed.example:9000";

struct GrpcWebReply {
  HttpReply http;
  std::string message;                          // the data frame's payload ("" if none)
  std::map<std::string, std::string> trailers;  // from the trailer frame
};

class HttpE2eTest : public AuthServerE2eTest {
 protected:
  void SetUp() override { StartServer(HttpFlags()); }

  // The flags of the HTTP front (and no registration limit: the tests register many users
  // from one address), then `extra`.
  static std::vector<std::string> HttpFlags(const std::vector<std::string>& extra = {});
  // Stops the server gracefully and starts one with HttpFlags(extra).
  void RestartHttpServer(const std::vector<std::string>& extra);

  HttpTestClient http() const { return HttpTestClient(server_->http_port()); }

  // POST /auth.v1.AuthService/<method> with a JSON body (a failure to connect fails the test
  // and answers status 0).
  HttpReply PostJson(const std::string& method, const nlohmann::json& body,
                     HttpHeaders headers = {});
  // Registers over HTTP and expects 200.
  void RegisterOverHttp(const std::string& username, const std::string& email);
  // A gRPC-Web call: `message` framed, base64 for `text`; the answer's frames read back.
  // `headers` go with it.
  GrpcWebReply CallGrpcWeb(const std::string& method, const std::string& message, bool text,
                           HttpHeaders headers = {});
};

// A TCP connection from `source` (a 127.0.0.0/8 address) to 127.0.0.1:`port`, so that the
// server's peer is `source`, as for a client on another machine; -1 on failure.
int ConnectFrom(const std::string& source, int port);

}  // namespace auth::service_testing

#endif  // SERVICES_AUTH_E2E_HTTP_FIXTURE_H_
