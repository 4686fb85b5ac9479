// AuthServiceImpl: the auth.v1.AuthService handlers, grouped by flow:
//   auth_service.cc      construction, the executor plumbing, Register, Login, GetJwks;
//   session_handlers.cc  the session flows, ValidateToken and GetSession, Logout and
//                        RefreshToken, each with its batch wiring;
// with what they share: unary_call.h (one call in flight), session_issuer.h (Login's and
// RefreshToken's new sessions), attempt_gate.h (the abuse limits).
//
//   AuthServiceImpl service({.users = &users, .sessions = &sessions,
//                            .refresh_tokens = &refresh_tokens, .hasher = &hasher,
//                            .issuer = &issuer, .verifier = &verifier,
//                            .hashing_executor = &hashing, .database_executor = &database},
//                           {.jwks_json = keys.ToJwks()});
//   builder.RegisterService(&service);
//
// Served with gRPC's callback API: a handler validates its request on the gRPC thread (cheap),
// then hands each blocking step (MySQL, Argon2) to one of two bounded executors and finishes
// the reactor from there. gRPC's own threads never block, the number of concurrent Argon2
// hashes (19 MiB each) is bounded by the hashing executor's workers, and a call whose deadline
// passed while it queued is answered DEADLINE_EXCEEDED without doing its work.
//
// Sessions: Login opens a session (keyed by the access token's jti) together with an opaque
// refresh token that starts a new family. RefreshToken rotates a refresh token into a new
// session of the same family and retires the old one; presenting a rotated refresh token again
// is taken as theft and revokes the family. ValidateToken checks an access token's signature
// and claims and then its session, in one database read.
//
// Batching: ValidateToken and Logout calls that arrive while the database workers are busy
// wait in a MicroBatcher and are answered together, by one SELECT (validations) or one
// transaction (logouts) for up to `max_database_batch` calls. Nothing waits on a timer: at low
// load every call gets its own round trip at once; under load the round trips, commits and
// worker hand-offs are shared, which is what lets the database keep up (BENCHMARKS.md).
#ifndef SERVICES_AUTH_AUTH_SERVICE_H_
#define SERVICES_AUTH_AUTH_SERVICE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "libs/audit/audit_log.h"
#include "libs/executor/bounded_executor.h"
#include "libs/executor/micro_batcher.h"
#include "libs/hashing/password_hasher.h"
#include "libs/metrics/auth_metrics.h"
#include "libs/repository/attempt_limiter.h"
#include "libs/repository/refresh_token_repository.h"
#include "libs/repository/session_repository.h"
#include "libs/repository/user_repository.h"
#include "libs/token/token.h"
#include "services/auth/attempt_gate.h"
#include "services/auth/session_issuer.h"

namespace auth::service {

class UnaryCall;  // unary_call.h

inline constexpr char kRegisteredMessage[] = "User registered successfully";
inline constexpr int kRegisteredStatus = 201;
inline constexpr char kLoggedOutMessage[] = "User logout successfully";
inline constexpr int kLoggedOutStatus = 200;

// What the service is composed of. Nothing is owned; everything must outlive the service.
struct AuthServiceDeps {
  repository::UserRepository* users = nullptr;
  repository::SessionRepository* sessions = nullptr;
  repository::RefreshTokenRepository* refresh_tokens = nullptr;
  hashing::PasswordHasher* hasher = nullptr;
  // Signs access tokens. (In the server a RememberingTokenIssuer, so that `verifier` knows
  // the tokens this process issued without checking their signature.)
  token::TokenIssuer* issuer = nullptr;
  // Checks access tokens, given the digest the service computes once per call anyway.
  token::PrehashedTokenVerifier* verifier = nullptr;
  executor::BoundedExecutor* hashing_executor = nullptr;
  executor::BoundedExecutor* database_executor = nullptr;
  // Counts attempts for the abuse limits (options.abuse_limits); null turns the limits off.
  repository::AttemptLimiter* attempts = nullptr;
  // Where calls, queue waits and session events are recorded; null records nothing.
  metrics::AuthMetrics* metrics = nullptr;
  // Where security events are recorded (registrations, logins and their failures and
  // refusals, logouts, refreshes, reuses, abuse limits hit); null records nothing.
  audit::AuditLog* audit_log = nullptr;
};

struct AuthServiceOptions {
  // The server's own bound on how long any call may wait for executors, MySQL and hashing,
  // whatever deadline (or none) the client set.
  absl::Duration max_call_duration = absl::Seconds(10);
  // How long a refresh token issued by Login or RefreshToken stays usable.
  absl::Duration refresh_token_lifetime = absl::Hours(24 * 30);
  // How long a refresh-token family lasts from the login that started it, however often it
  // rotates: no refresh token outlives it.
  absl::Duration refresh_family_lifetime = absl::Hours(24 * 90);
  // A rotated refresh token presented again within this time of its rotation is refused
  // without revoking its family (a client retrying a lost response), unless its successor has
  // been used already; zero: never.
  absl::Duration refresh_reuse_grace = absl::ZeroDuration();
  // What GetJwks answers: the public keys' JWKS document, computed once at start-up.
  std::string jwks_json = R"({"keys":[]})";
  // Failed logins per account and per address, registrations per address (attempt_gate.h).
  AbuseLimitsConfig abuse_limits;
  // Most ValidateToken (or Logout) calls one database round trip (or transaction) answers
  // when they queue up; 1 gives every call its own.
  int max_database_batch = 64;
  // Most batch tasks of each kind (validations, logouts) queued or running on the database
  // executor at once (0: one per database worker). Few make big batches, so few round trips
  // and commits; 2 measured best with 64 calls in flight (BENCHMARKS.md), and batches grow
  // with load, so throughput is not capped at 2 round trips' worth.
  int database_batches_in_flight = 2;
  // Most ValidateToken (or Logout) calls waiting for a batch; more are refused with
  // RESOURCE_EXHAUSTED, so a stalled database under a flood of calls costs bounded memory.
  int database_batch_queue = 4096;
};

class AuthServiceImpl final : public auth::v1::AuthService::CallbackService {
 public:
  explicit AuthServiceImpl(AuthServiceDeps deps, AuthServiceOptions options = {});
  // The executors must have been shut down (no task of the service may still run).
  ~AuthServiceImpl() override;

  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* context,
                                     const auth::v1::RegisterRequest* request,
                                     auth::v1::RegisterResponse* response) override;

  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* context,
                                  const auth::v1::LoginRequest* request,
                                  auth::v1::LoginResponse* response) override;

  grpc::ServerUnaryReactor* Logout(grpc::CallbackServerContext* context,
                                   const auth::v1::LogoutRequest* request,
                                   auth::v1::LogoutResponse* response) override;

  grpc::ServerUnaryReactor* ValidateToken(grpc::CallbackServerContext* context,
                                          const auth::v1::ValidateTokenRequest* request,
                                          auth::v1::ValidateTokenResponse* response) override;

  grpc::ServerUnaryReactor* RefreshToken(grpc::CallbackServerContext* context,
                                         const auth::v1::RefreshTokenRequest* request,
                                         auth::v1::RefreshTokenResponse* response) override;

  grpc::ServerUnaryReactor* GetJwks(grpc::CallbackServerContext* context,
                                    const auth::v1::GetJwksRequest* request,
                                    auth::v1::GetJwksResponse* response) override;

  grpc::ServerUnaryReactor* GetSession(grpc::CallbackServerContext* context,
                                       const auth::v1::GetSessionRequest* request,
                                       auth::v1::GetSessionResponse* response) override;

 private:
  // --- The executor plumbing (auth_service.cc) ---

  // A new call of `rpc`, timed from now and recorded in the metrics when it finishes.
  std::shared_ptr<UnaryCall> StartCall(grpc::CallbackServerContext* context,
                                       metrics::Rpc rpc) const;

  // Runs `work` on `executor` before the call's deadline, or finishes the call with the reason
  // it could not run (queue full, deadline passed, shutting down).
  void RunOn(executor::BoundedExecutor& executor, const std::shared_ptr<UnaryCall>& call,
             std::function<void()> work);

  // The gate's verdict on the call's attempt: true to go on; otherwise the call is finished
  // (refused: RESOURCE_EXHAUSTED with the retry-after trailer; or the limiter's failure).
  static bool PassedGate(UnaryCall& call, const absl::Status& admission,
                         const std::string& retry_after);

  // Records security event `type` in the audit log: whose (`user_id`, 0 if unknown), from where
  // (`client_address`, a ClientAddress()), why, and which session and family (empty: none).
  void Audit(audit::AuditEventType type, int64_t user_id, std::string client_address,
             std::string reason, std::string session_id = "", std::string family_id = "") const;

  // --- Login (auth_service.cc) ---

  void LoginVerifyPassword(std::shared_ptr<UnaryCall> call, const auth::v1::LoginRequest* request,
                           auth::v1::LoginResponse* response, repository::User user,
                           std::string address);
  void LoginOpenSession(std::shared_ptr<UnaryCall> call, auth::v1::LoginResponse* response,
                        int64_t user_id, std::optional<std::string> upgraded_hash,
                        std::string address);

  // --- The session flows (session_handlers.cc) ---

  // A ValidateToken or GetSession call whose token passed the checks that need no database.
  // One of the two responses is set: the call's.
  struct PendingValidation {
    std::shared_ptr<UnaryCall> call;
    auth::v1::ValidateTokenResponse* response = nullptr;
    auth::v1::GetSessionResponse* session_response = nullptr;
    int64_t user_id = 0;
    token::TokenClaims claims;
    std::string token_hash;
  };
  // A Logout call whose token passed the checks that need no database.
  struct PendingLogout {
    std::shared_ptr<UnaryCall> call;
    auth::v1::LogoutResponse* response = nullptr;
    repository::LogoutRequest request;
  };
  // Checks `token` (signature and claims here, then its session in a batch) and answers `call`
  // through `pending`'s response.
  void CheckSession(const std::shared_ptr<UnaryCall>& call, const std::string& token,
                    PendingValidation pending);
  using ValidationBatcher = executor::MicroBatcher<PendingValidation>;
  using LogoutBatcher = executor::MicroBatcher<PendingLogout>;
  // The batchers of ValidateToken and Logout, with at most `in_flight` batch tasks each.
  std::unique_ptr<ValidationBatcher> NewValidationBatcher(int in_flight);
  std::unique_ptr<LogoutBatcher> NewLogoutBatcher(int in_flight);
  // Answer a batch of calls with one database round trip.
  void ValidateBatch(std::vector<PendingValidation>& batch);
  void LogoutBatch(std::vector<PendingLogout>& batch);

  AuthServiceDeps deps_;
  AuthServiceOptions options_;
  AttemptGate gate_;
  SessionIssuer session_issuer_;
  std::unique_ptr<ValidationBatcher> validations_;
  std::unique_ptr<LogoutBatcher> logouts_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_AUTH_SERVICE_H_
