// AuthServiceImpl: the auth.v1.AuthService handlers (Register, Login, Logout).
//
//   AuthServiceImpl service({.users = &users, .sessions = &sessions, .hasher = &hasher,
//                            .issuer = &issuer, .verifier = &verifier,
//                            .hashing_executor = &hashing, .database_executor = &database});
//   builder.RegisterService(&service);
//
// Served with gRPC's callback API: a handler validates its request on the gRPC thread (cheap),
// then hands each blocking step (MySQL, Argon2) to one of two bounded executors and finishes
// the reactor from there. gRPC's own threads never block, the number of concurrent Argon2
// hashes (19 MiB each) is bounded by the hashing executor's workers, and a call whose deadline
// passed while it queued is answered DEADLINE_EXCEEDED without doing its work.
#ifndef SERVICES_AUTH_AUTH_SERVICE_H_
#define SERVICES_AUTH_AUTH_SERVICE_H_

#include <memory>

#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "libs/executor/bounded_executor.h"
#include "libs/hashing/password_hasher.h"
#include "libs/repository/session_repository.h"
#include "libs/repository/user_repository.h"
#include "libs/token/token.h"

namespace auth::service {

inline constexpr char kRegisteredMessage[] = "User registered successfully";
inline constexpr int kRegisteredStatus = 201;
inline constexpr char kLoggedOutMessage[] = "User logout successfully";
inline constexpr int kLoggedOutStatus = 200;

// What the service is composed of. Nothing is owned; everything must outlive the service.
struct AuthServiceDeps {
  repository::UserRepository* users = nullptr;
  repository::SessionRepository* sessions = nullptr;
  hashing::PasswordHasher* hasher = nullptr;
  token::TokenIssuer* issuer = nullptr;
  token::TokenVerifier* verifier = nullptr;
  executor::BoundedExecutor* hashing_executor = nullptr;
  executor::BoundedExecutor* database_executor = nullptr;
};

struct AuthServiceOptions {
  // The server's own bound on how long any call may wait for executors, MySQL and hashing,
  // whatever deadline (or none) the client set.
  absl::Duration max_call_duration = absl::Seconds(10);
};

class AuthServiceImpl final : public auth::v1::AuthService::CallbackService {
 public:
  explicit AuthServiceImpl(AuthServiceDeps deps, AuthServiceOptions options = {});

  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* context,
                                     const auth::v1::RegisterRequest* request,
                                     auth::v1::RegisterResponse* response) override;

  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* context,
                                  const auth::v1::LoginRequest* request,
                                  auth::v1::LoginResponse* response) override;

  grpc::ServerUnaryReactor* Logout(grpc::CallbackServerContext* context,
                                   const auth::v1::LogoutRequest* request,
                                   auth::v1::LogoutResponse* response) override;

 private:
  class Call;

  // Runs `work` on `executor` before the call's deadline, or finishes the call with the reason
  // it could not run (queue full, deadline passed, shutting down).
  void RunOn(executor::BoundedExecutor& executor, const std::shared_ptr<Call>& call,
             std::function<void()> work);

  void LoginVerifyPassword(std::shared_ptr<Call> call, const auth::v1::LoginRequest* request,
                           auth::v1::LoginResponse* response, repository::User user);
  void LoginOpenSession(std::shared_ptr<Call> call, auth::v1::LoginResponse* response,
                        int64_t user_id, std::optional<std::string> upgraded_hash);

  AuthServiceDeps deps_;
  AuthServiceOptions options_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_AUTH_SERVICE_H_
