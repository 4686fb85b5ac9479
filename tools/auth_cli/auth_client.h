// AuthClient: the testable core of the `auth_cli` tool. It builds auth.v1 requests, attaches the
// caller's token, reads the `set-cookie` initial metadata of Login, and turns gRPC statuses into
// absl::Status.
//
//   auto stub = auth::v1::AuthService::NewStub(channel);
//   auth::cli::AuthClient client(*stub, absl::Seconds(5));
//   auth::cli::LoginParams params;
//   params.email = "alice@example.com";
//   params.password_hash = secret;
//   absl::StatusOr<auth::cli::LoginResult> login = client.Login(params);
//   if (login.ok()) client.Logout(login->user_id, login->jwt_token);
//   absl::StatusOr<auth::cli::RefreshResult> next = client.Refresh(login->refresh_token);
//
// Every method makes at most one RPC with a fresh grpc::ClientContext and the configured
// deadline. Obviously malformed input (e.g. login by both email and phone) is rejected with
// INVALID_ARGUMENT before any RPC; everything else is left to the server to judge. Error
// messages never contain the password hash or the token.
//
// Login reads the server's initial metadata. With a real stub gRPC always provides it; a mock
// stub that returns OK from Login must inject it with grpc::testing::ClientContextTestPeer
// (gRPC aborts on reading initial metadata that was never received).
#ifndef TOOLS_AUTH_CLI_AUTH_CLIENT_H_
#define TOOLS_AUTH_CLI_AUTH_CLIENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace auth::cli {

// Input of AuthClient::Register. `phone_number` may be empty.
struct RegisterParams {
  std::string username;
  std::string email;
  std::string phone_number;
  // Sent as-is in RegisterRequest.password_hash; the client does not digest it.
  std::string password_hash;
};

// What the server answered to Register.
struct RegisterResult {
  std::string message;
  int32_t status = 0;
};

// Input of AuthClient::Login: exactly one of `email` and `phone_number` is non-empty.
struct LoginParams {
  std::string email;
  std::string phone_number;
  // Sent as-is in LoginRequest.password_hash; the client does not digest it.
  std::string password_hash;
};

// What the server answered to Login, including its `set-cookie` initial metadata.
struct LoginResult {
  int32_t user_id = 0;
  std::string jwt_token;
  // Exchange it with Refresh() for new tokens; empty if the server issues none.
  std::string refresh_token;
  // When jwt_token expires, in seconds since the Unix epoch (0 if the server does not say).
  int64_t expires_at_unix_seconds = 0;
  // The raw `set-cookie` header values, in the order the server sent them.
  std::vector<std::string> set_cookies;
};

// What the server answered to Logout.
struct LogoutResult {
  std::string message;
  int32_t status = 0;
};

// What the server answered to RefreshToken: a new access token and the refresh token that
// replaces the presented one.
struct RefreshResult {
  int32_t user_id = 0;
  std::string jwt_token;
  std::string refresh_token;
  int64_t expires_at_unix_seconds = 0;
};

// What the server answered to ValidateToken.
struct ValidateResult {
  int32_t user_id = 0;
  std::string session_id;
  int64_t expires_at_unix_seconds = 0;
};

// A blocking client of auth.v1.AuthService over a caller-owned stub. Thread-compatible; the
// stub must outlive the client.
class AuthClient {
 public:
  // `timeout` bounds each RPC; absl::InfiniteDuration() means no deadline.
  explicit AuthClient(auth::v1::AuthService::StubInterface& stub,
                      absl::Duration timeout = absl::Seconds(5));

  AuthClient(const AuthClient&) = delete;
  AuthClient& operator=(const AuthClient&) = delete;

  // Creates a user.
  absl::StatusOr<RegisterResult> Register(const RegisterParams& params);

  // Authenticates by email or phone and returns the token and the cookies the server set.
  absl::StatusOr<LoginResult> Login(const LoginParams& params);

  // Ends the sessions of `user_id` (with `current_session_only`, only the session of
  // `token`), presenting `token` as `authorization: Bearer <token>`.
  absl::StatusOr<LogoutResult> Logout(int32_t user_id, absl::string_view token,
                                      bool current_session_only = false);

  // Exchanges `refresh_token` for a new access token and refresh token.
  absl::StatusOr<RefreshResult> Refresh(absl::string_view refresh_token);

  // Asks the server whether access token `token` is currently valid, and whose it is.
  absl::StatusOr<ValidateResult> Validate(absl::string_view token);

  // The server's public keys as a JWKS document.
  absl::StatusOr<std::string> GetJwks();

 private:
  // Points `context` at the deadline now + timeout_.
  void SetDeadline(grpc::ClientContext& context) const;

  auth::v1::AuthService::StubInterface& stub_;
  absl::Duration timeout_;
};

// The checks each AuthClient method makes before its RPC: OK, or INVALID_ARGUMENT naming the
// offending field (never its value). Exposed so a caller can tell its own input errors apart
// from the server's INVALID_ARGUMENT.
absl::Status ValidateRegisterParams(const RegisterParams& params);
absl::Status ValidateLoginParams(const LoginParams& params);
absl::Status ValidateLogoutParams(int32_t user_id, absl::string_view token);
absl::Status ValidateRefreshParams(absl::string_view refresh_token);
absl::Status ValidateTokenParams(absl::string_view token);

// The gRPC status as an absl::Status with the same code and message. The codes of both
// libraries are the canonical google.rpc.Code values, so the mapping is one to one.
absl::Status StatusFromGrpc(const grpc::Status& status);

// The value of cookie `name` among `set-cookie` header values ("name=value; Path=/; ..."), or
// nullopt if none of them sets it. The first match wins.
std::optional<std::string> FindCookie(absl::Span<const std::string> set_cookies,
                                      absl::string_view name);

}  // namespace auth::cli

#endif  // TOOLS_AUTH_CLI_AUTH_CLIENT_H_
