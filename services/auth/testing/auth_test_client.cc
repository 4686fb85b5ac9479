// AuthTestClient; see auth_test_client.h.
#include "services/auth/testing/auth_test_client.h"

#include <chrono>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace auth::service_testing {

Credentials Bearer(const std::string& token) { return {{"authorization", "Bearer " + token}}; }

Credentials Cookie(int32_t user_id, const std::string& token) {
  return {{"cookie", absl::StrCat("user_id=", user_id, "; jwt-token=", token)}};
}

template <typename Request, typename Response>
grpc::Status AuthTestClient::Call(grpc::Status (auth::v1::AuthService::Stub::*method)(
                                      grpc::ClientContext*, const Request&, Response*),
                                  const Request& request, Response* response,
                                  const Credentials& credentials) {
  Response ignored;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::duration_cast<std::chrono::system_clock::duration>(
                           absl::ToChronoNanoseconds(deadline_)));
  for (const auto& [key, value] : credentials) context.AddMetadata(key, value);
  grpc::Status status = (stub_.*method)(&context, request, response ? response : &ignored);
  last_cookies_.clear();
  auto cookies = context.GetServerInitialMetadata().equal_range("set-cookie");
  for (auto it = cookies.first; it != cookies.second; ++it) {
    last_cookies_.emplace_back(it->second.data(), it->second.size());
  }
  last_retry_after_.clear();
  auto retry_after = context.GetServerTrailingMetadata().find("retry-after");
  if (retry_after != context.GetServerTrailingMetadata().end()) {
    last_retry_after_.assign(retry_after->second.data(), retry_after->second.size());
  }
  return status;
}

grpc::Status AuthTestClient::Register(const std::string& username, const std::string& email,
                                      const std::string& phone, const std::string& password,
                                      auth::v1::RegisterResponse* response) {
  auth::v1::RegisterRequest request;
  request.set_username(username);
  request.set_email(email);
  request.set_phone_number(phone);
  request.set_password_hash(password);
  return Call(&auth::v1::AuthService::Stub::Register, request, response);
}

grpc::Status AuthTestClient::Login(const std::string& email, const std::string& phone,
                                   const std::string& password, auth::v1::LoginResponse* response) {
  auth::v1::LoginRequest request;
  request.set_email(email);
  request.set_phone_number(phone);
  request.set_password_hash(password);
  return Call(&auth::v1::AuthService::Stub::Login, request, response);
}

grpc::Status AuthTestClient::Logout(int32_t user_id, const Credentials& credentials,
                                    bool current_session_only, auth::v1::LogoutResponse* response) {
  auth::v1::LogoutRequest request;
  request.set_user_id(user_id);
  request.set_current_session_only(current_session_only);
  return Call(&auth::v1::AuthService::Stub::Logout, request, response, credentials);
}

grpc::Status AuthTestClient::Validate(const std::string& token,
                                      auth::v1::ValidateTokenResponse* response) {
  auth::v1::ValidateTokenRequest request;
  request.set_token(token);
  return Call(&auth::v1::AuthService::Stub::ValidateToken, request, response);
}

grpc::Status AuthTestClient::Refresh(const std::string& refresh_token,
                                     auth::v1::RefreshTokenResponse* response) {
  auth::v1::RefreshTokenRequest request;
  request.set_refresh_token(refresh_token);
  return Call(&auth::v1::AuthService::Stub::RefreshToken, request, response);
}

grpc::Status AuthTestClient::GetJwks(auth::v1::GetJwksResponse* response) {
  return Call(&auth::v1::AuthService::Stub::GetJwks, auth::v1::GetJwksRequest(), response);
}

}  // namespace auth::service_testing
