// The fixture of the end-to-end tests (auth_server_e2e_test.cc, token_e2e_test.cc,
// metrics_e2e_test.cc): the real auth_server binary against a real, private MariaDB, called
// through the generated stub over loopback. Nothing is mocked.
#ifndef SERVICES_AUTH_E2E_E2E_FIXTURE_H_
#define SERVICES_AUTH_E2E_E2E_FIXTURE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api/auth/v1/auth.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/auth/testing/auth_server_backend.h"
#include "services/auth/testing/auth_server_process.h"
#include "services/auth/testing/test_password.h"

namespace auth::service_testing {

// One database and signing key per suite; a fresh auth_server per test.
class AuthServerE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  void SetUp() override { StartServer(); }

  // Starts auth_server on a free port, with `extra_flags` after the standard ones.
  void StartServer(const std::vector<std::string>& extra_flags = {});
  // Stops the server gracefully (it must exit 0) and starts a new one with `extra_flags`.
  void RestartServer(const std::vector<std::string>& extra_flags = {});

  grpc::Status Register(const std::string& username, const std::string& email,
                        const std::string& phone, const std::string& password = kPassword);

  struct LoginResult {
    grpc::Status status;
    auth::v1::LoginResponse response;
    std::vector<std::string> cookies;  // the set-cookie headers
  };
  LoginResult Login(const std::string& email, const std::string& phone,
                    const std::string& password = kPassword);

  // Presents `token` as a bearer token, or with `as_cookie` as the jwt-token cookie.
  grpc::Status Logout(int32_t user_id, const std::string& token, bool as_cookie = false,
                      bool current_session_only = false);
  grpc::Status Validate(const std::string& token,
                        auth::v1::ValidateTokenResponse* response = nullptr);
  grpc::Status Refresh(const std::string& refresh_token,
                       auth::v1::RefreshTokenResponse* response = nullptr);

  inline static AuthServerBackend* backend_ = nullptr;
  std::unique_ptr<AuthServerProcess> server_;
  std::unique_ptr<auth::v1::AuthService::Stub> stub_;
};

}  // namespace auth::service_testing

#endif  // SERVICES_AUTH_E2E_E2E_FIXTURE_H_
