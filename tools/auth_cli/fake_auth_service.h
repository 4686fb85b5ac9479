// FakeAuthService: a scripted, in-memory auth.v1.AuthService for testing auth_cli end to end.
//
//   FakeAuthService service;
//   grpc::ServerBuilder builder;
//   builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
//   builder.RegisterService(&service);
//
// It knows one password and one user: Login with kFakePassword answers kFakeUserId, kFakeToken
// and kFakeRefreshToken and sets the `user_id` and `jwt-token` cookies as the real server does.
// RefreshToken exchanges kFakeRefreshToken (only) for kFakeRotatedToken and
// kFakeNextRefreshToken. ValidateToken and Logout accept only `kFakeToken` or
// `kFakeRotatedToken` (Logout as `authorization: Bearer`, for kFakeUserId only). GetJwks answers
// kFakeJwks. Register
// of the user name "slow" blocks until ReleaseSlowRegister(), for deadline tests.
#ifndef TOOLS_AUTH_CLI_FAKE_AUTH_SERVICE_H_
#define TOOLS_AUTH_CLI_FAKE_AUTH_SERVICE_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "api/auth/v1/auth.pb.h"
#include "grpcpp/grpcpp.h"
#include "libs/testing/notification.h"

namespace auth::cli {

inline constexpr char kFakePassword[] = "correct horse battery staple";
inline constexpr char kFakeToken[] = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiI3In0.c2lnbmF0dXJl";
inline constexpr int32_t kFakeUserId = 7;
inline constexpr char kFakeRefreshToken[] = "ZmFrZS1yZWZyZXNoLXRva2VuLW9uZQ";
inline constexpr char kFakeRotatedToken[] = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiI3In0.cm90YXRlZA";
inline constexpr char kFakeNextRefreshToken[] = "ZmFrZS1yZWZyZXNoLXRva2VuLXR3bw";
inline constexpr int64_t kFakeExpiresAt = 1900000000;
inline constexpr char kFakeSessionId[] = "fake-session";
inline constexpr char kFakeJwks[] =
    R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":"AAAA","kid":"fake","alg":"EdDSA"}]})";

class FakeAuthService final : public auth::v1::AuthService::Service {
 public:
  grpc::Status Register(grpc::ServerContext*, const auth::v1::RegisterRequest* request,
                        auth::v1::RegisterResponse* response) override {
    if (request->username() == "slow") {
      release_slow_register_.WaitForNotificationWithTimeout(absl::Seconds(30));
      return grpc::Status(grpc::StatusCode::INTERNAL, "released");
    }
    if (request->password_hash() != kFakePassword) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unexpected password");
    }
    response->set_message("User registered successfully");
    response->set_status(201);
    return grpc::Status::OK;
  }

  grpc::Status Login(grpc::ServerContext* context, const auth::v1::LoginRequest* request,
                     auth::v1::LoginResponse* response) override {
    if (request->password_hash() != kFakePassword) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "invalid credentials");
    }
    constexpr char kAttributes[] = "; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=3600";
    context->AddInitialMetadata("set-cookie", absl::StrCat("user_id=", kFakeUserId, kAttributes));
    context->AddInitialMetadata("set-cookie", absl::StrCat("jwt-token=", kFakeToken, kAttributes));
    response->set_user_id(kFakeUserId);
    response->set_jwt_token(kFakeToken);
    response->set_refresh_token(kFakeRefreshToken);
    response->set_expires_at_unix_seconds(kFakeExpiresAt);
    return grpc::Status::OK;
  }

  grpc::Status Logout(grpc::ServerContext* context, const auth::v1::LogoutRequest* request,
                      auth::v1::LogoutResponse* response) override {
    std::vector<std::string> seen;
    auto [begin, end] = context->client_metadata().equal_range("authorization");
    for (auto it = begin; it != end; ++it) seen.emplace_back(it->second.data(), it->second.size());
    {
      std::lock_guard<std::mutex> lock(mutex_);
      authorization_ = seen;
    }
    if (seen.size() != 1 || (seen[0] != absl::StrCat("Bearer ", kFakeToken) &&
                             seen[0] != absl::StrCat("Bearer ", kFakeRotatedToken))) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "invalid token");
    }
    // Both tokens name kFakeUserId; as the real server does, refuse another user's logout.
    if (request->user_id() != kFakeUserId) {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "token does not match user");
    }
    response->set_message("User logout successfully");
    response->set_status(200);
    return grpc::Status::OK;
  }

  grpc::Status RefreshToken(grpc::ServerContext*, const auth::v1::RefreshTokenRequest* request,
                            auth::v1::RefreshTokenResponse* response) override {
    if (request->refresh_token() != kFakeRefreshToken) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "refresh token unknown");
    }
    response->set_user_id(kFakeUserId);
    response->set_jwt_token(kFakeRotatedToken);
    response->set_refresh_token(kFakeNextRefreshToken);
    response->set_expires_at_unix_seconds(kFakeExpiresAt);
    return grpc::Status::OK;
  }

  grpc::Status ValidateToken(grpc::ServerContext*, const auth::v1::ValidateTokenRequest* request,
                             auth::v1::ValidateTokenResponse* response) override {
    if (request->token() != kFakeToken && request->token() != kFakeRotatedToken) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "invalid token");
    }
    response->set_user_id(kFakeUserId);
    response->set_session_id(kFakeSessionId);
    response->set_expires_at_unix_seconds(kFakeExpiresAt);
    return grpc::Status::OK;
  }

  grpc::Status GetJwks(grpc::ServerContext*, const auth::v1::GetJwksRequest*,
                       auth::v1::GetJwksResponse* response) override {
    response->set_jwks_json(kFakeJwks);
    return grpc::Status::OK;
  }

  // The `authorization` metadata values of the last Logout.
  std::vector<std::string> authorization() {
    std::lock_guard<std::mutex> lock(mutex_);
    return authorization_;
  }

  // Lets a blocked (and any later) "slow" Register return; call before shutting down.
  void ReleaseSlowRegister() { release_slow_register_.Notify(); }

 private:
  std::mutex mutex_;  // not absl::Mutex: ThreadSanitizer cannot see Debian's libabsl
  std::vector<std::string> authorization_ ABSL_GUARDED_BY(mutex_);
  test_util::Notification release_slow_register_;
};

}  // namespace auth::cli

#endif  // TOOLS_AUTH_CLI_FAKE_AUTH_SERVICE_H_
