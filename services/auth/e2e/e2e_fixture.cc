// AuthServerE2eTest; see e2e_fixture.h.
#include "services/auth/e2e/e2e_fixture.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "libs/testing/status_matchers.h"
#include "services/auth/testing/auth_test_client.h"

namespace auth::service_testing {
namespace {

using ::auth::test_util::IsOk;

}  // namespace

void AuthServerE2eTest::SetUpTestSuite() {
  absl::StatusOr<std::unique_ptr<AuthServerBackend>> backend = AuthServerBackend::Start();
  ASSERT_THAT(backend, IsOk());
  backend_ = backend->release();
}

void AuthServerE2eTest::TearDownTestSuite() {
  delete backend_;
  backend_ = nullptr;
}

void AuthServerE2eTest::StartServer(const std::vector<std::string>& extra_flags) {
  ASSERT_NE(backend_, nullptr) << "the database did not start";
  std::vector<std::string> flags = backend_->Flags();
  flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
  absl::StatusOr<std::unique_ptr<AuthServerProcess>> server =
      AuthServerProcess::Start(std::move(flags));
  ASSERT_THAT(server, IsOk());
  server_ = *std::move(server);
  stub_ = server_->NewStub();
}

void AuthServerE2eTest::RestartServer(const std::vector<std::string>& extra_flags) {
  absl::StatusOr<ExitStatus> stopped = server_->Stop(absl::Seconds(20));
  ASSERT_THAT(stopped, IsOk());
  ASSERT_TRUE(stopped->ok()) << "graceful stop failed: " << stopped->ToString();
  StartServer(extra_flags);
}

grpc::Status AuthServerE2eTest::Register(const std::string& username, const std::string& email,
                                         const std::string& phone, const std::string& password) {
  auth::v1::RegisterResponse response;
  grpc::Status status =
      AuthTestClient(*stub_).Register(username, email, phone, password, &response);
  if (status.ok()) {
    EXPECT_EQ(response.message(), "User registered successfully");
    EXPECT_EQ(response.status(), 201);
  }
  return status;
}

AuthServerE2eTest::LoginResult AuthServerE2eTest::Login(const std::string& email,
                                                        const std::string& phone,
                                                        const std::string& password) {
  AuthTestClient client(*stub_);
  LoginResult result;
  result.status = client.Login(email, phone, password, &result.response);
  result.cookies = client.last_cookies();
  return result;
}

grpc::Status AuthServerE2eTest::Logout(int32_t user_id, const std::string& token, bool as_cookie,
                                       bool current_session_only) {
  auth::v1::LogoutResponse response;
  grpc::Status status = AuthTestClient(*stub_).Logout(
      user_id, as_cookie ? Cookie(user_id, token) : Bearer(token), current_session_only, &response);
  if (status.ok()) {
    EXPECT_EQ(response.message(), "User logout successfully");
    EXPECT_EQ(response.status(), 200);
  }
  return status;
}

grpc::Status AuthServerE2eTest::Validate(const std::string& token,
                                         auth::v1::ValidateTokenResponse* response) {
  return AuthTestClient(*stub_).Validate(token, response);
}

grpc::Status AuthServerE2eTest::Refresh(const std::string& refresh_token,
                                        auth::v1::RefreshTokenResponse* response) {
  return AuthTestClient(*stub_).Refresh(refresh_token, response);
}

}  // namespace auth::service_testing
