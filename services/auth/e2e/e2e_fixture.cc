// AuthServerE2eTest; see e2e_fixture.h.
#include "services/auth/e2e/e2e_fixture.h"

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "libs/testing/status_matchers.h"

namespace auth::service::testing {
namespace {

using ::auth::testing::IsOk;

std::chrono::system_clock::time_point InTenSeconds() {
  return std::chrono::system_clock::now() + std::chrono::seconds(10);
}

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
  auth::v1::RegisterRequest request;
  request.set_username(username);
  request.set_email(email);
  request.set_phone_number(phone);
  request.set_password_hash(password);
  auth::v1::RegisterResponse response;
  grpc::ClientContext context;
  context.set_deadline(InTenSeconds());
  grpc::Status status = stub_->Register(&context, request, &response);
  if (status.ok()) {
    EXPECT_EQ(response.message(), "User registered successfully");
    EXPECT_EQ(response.status(), 201);
  }
  return status;
}

AuthServerE2eTest::LoginResult AuthServerE2eTest::Login(const std::string& email,
                                                        const std::string& phone,
                                                        const std::string& password) {
  auth::v1::LoginRequest request;
  request.set_email(email);
  request.set_phone_number(phone);
  request.set_password_hash(password);
  LoginResult result;
  grpc::ClientContext context;
  context.set_deadline(InTenSeconds());
  result.status = stub_->Login(&context, request, &result.response);
  auto range = context.GetServerInitialMetadata().equal_range("set-cookie");
  for (auto it = range.first; it != range.second; ++it) {
    result.cookies.emplace_back(it->second.data(), it->second.size());
  }
  return result;
}

grpc::Status AuthServerE2eTest::Logout(int32_t user_id, const std::string& token, bool as_cookie,
                                       bool current_session_only) {
  auth::v1::LogoutRequest request;
  request.set_user_id(user_id);
  request.set_current_session_only(current_session_only);
  auth::v1::LogoutResponse response;
  grpc::ClientContext context;
  if (as_cookie) {
    context.AddMetadata("cookie", "user_id=" + std::to_string(user_id) + "; jwt-token=" + token);
  } else {
    context.AddMetadata("authorization", "Bearer " + token);
  }
  grpc::Status status = stub_->Logout(&context, request, &response);
  if (status.ok()) {
    EXPECT_EQ(response.message(), "User logout successfully");
    EXPECT_EQ(response.status(), 200);
  }
  return status;
}

grpc::Status AuthServerE2eTest::Validate(const std::string& token,
                                         auth::v1::ValidateTokenResponse* response) {
  auth::v1::ValidateTokenRequest request;
  request.set_token(token);
  auth::v1::ValidateTokenResponse ignored;
  grpc::ClientContext context;
  context.set_deadline(InTenSeconds());
  return stub_->ValidateToken(&context, request, response ? response : &ignored);
}

grpc::Status AuthServerE2eTest::Refresh(const std::string& refresh_token,
                                        auth::v1::RefreshTokenResponse* response) {
  auth::v1::RefreshTokenRequest request;
  request.set_refresh_token(refresh_token);
  auth::v1::RefreshTokenResponse ignored;
  grpc::ClientContext context;
  context.set_deadline(InTenSeconds());
  return stub_->RefreshToken(&context, request, response ? response : &ignored);
}

}  // namespace auth::service::testing
