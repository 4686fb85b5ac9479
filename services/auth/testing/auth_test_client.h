// AuthTestClient: the AuthService calls of tests that drive a real server, each with a
// deadline, so that a test never builds a request by hand to register, log in or present a
// token.
//
//   AuthTestClient client(*stub);  // 10 s per call
//   ASSERT_TRUE(client.Register("alice", "alice@example.com").ok());
//   auth::v1::LoginResponse login;
//   grpc::Status status = client.Login("alice@example.com", "", kPassword, &login);
//   EXPECT_THAT(client.last_cookies(), Contains(StartsWith("jwt-token=")));
//   EXPECT_TRUE(client.Logout(login.user_id(), Bearer(login.jwt_token())).ok());
//
// Cheap to make: one per call site, or per thread (it remembers the last call's metadata, so
// one object is not to be shared between threads).
#ifndef SERVICES_AUTH_TESTING_AUTH_TEST_CLIENT_H_
#define SERVICES_AUTH_TESTING_AUTH_TEST_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "services/auth/testing/test_password.h"

namespace auth::service_testing {

// Request metadata (key, value) that carries a credential; empty: none.
using Credentials = std::vector<std::pair<std::string, std::string>>;
// "authorization: Bearer <token>".
Credentials Bearer(const std::string& token);
// "cookie: user_id=<user_id>; jwt-token=<token>", as a browser sends what Login set.
Credentials Cookie(int32_t user_id, const std::string& token);

class AuthTestClient {
 public:
  // `stub` must outlive the client.
  explicit AuthTestClient(auth::v1::AuthService::Stub& stub,
                          absl::Duration deadline = absl::Seconds(10))
      : stub_(stub), deadline_(deadline) {}
  // Keeps `stub` alive as long as the client (a Replica's stub may be replaced meanwhile).
  explicit AuthTestClient(std::shared_ptr<auth::v1::AuthService::Stub> stub,
                          absl::Duration deadline = absl::Seconds(10))
      : owned_stub_(std::move(stub)), stub_(*owned_stub_), deadline_(deadline) {}

  grpc::Status Register(const std::string& username, const std::string& email,
                        const std::string& phone = "", const std::string& password = kPassword,
                        auth::v1::RegisterResponse* response = nullptr);
  // By `email`, or by `phone` (the other one empty; both set is a bad request).
  grpc::Status Login(const std::string& email, const std::string& phone = "",
                     const std::string& password = kPassword,
                     auth::v1::LoginResponse* response = nullptr);
  grpc::Status Logout(int32_t user_id, const Credentials& credentials,
                      bool current_session_only = false,
                      auth::v1::LogoutResponse* response = nullptr);
  grpc::Status Validate(const std::string& token,
                        auth::v1::ValidateTokenResponse* response = nullptr);
  grpc::Status Refresh(const std::string& refresh_token,
                       auth::v1::RefreshTokenResponse* response = nullptr);
  grpc::Status GetJwks(auth::v1::GetJwksResponse* response);

  // Of the last call: the set-cookie headers (Login sets two), and the retry-after trailer
  // of a refusal for abuse ("" if none).
  const std::vector<std::string>& last_cookies() const { return last_cookies_; }
  const std::string& last_retry_after() const { return last_retry_after_; }

 private:
  // Runs `call` with a fresh context (deadline, `credentials`) and keeps its metadata.
  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (auth::v1::AuthService::Stub::*method)(grpc::ClientContext*,
                                                                        const Request&, Response*),
                    const Request& request, Response* response,
                    const Credentials& credentials = {});

  const std::shared_ptr<auth::v1::AuthService::Stub> owned_stub_;  // null if not ours
  auth::v1::AuthService::Stub& stub_;
  const absl::Duration deadline_;
  std::vector<std::string> last_cookies_;
  std::string last_retry_after_;
};

}  // namespace auth::service_testing

#endif  // SERVICES_AUTH_TESTING_AUTH_TEST_CLIENT_H_
