// AuthServiceImpl: the auth.v1.AuthService of gRPC's callback API, a thin facade that forwards
// each RPC to the handler of its feature (account/, session/); the handlers share the
// CallRunner (rpc/), the AttemptGate (abuse/) and the SessionIssuer (session/) it owns.
// AccountServiceImpl, the auth.v1.AccountService (recovery/), is the same kind of facade; the
// AuthServiceImpl owns it too, so that its handlers share those parts and the abuse limits.
// How calls are served (threads, executors, batching) is in ARCHITECTURE.md.
//
//   AuthServiceDeps deps;
//   deps.users = &users; deps.sessions = &sessions; deps.refresh_tokens = &refresh_tokens;
//   deps.hasher = &hasher; deps.issuer = &issuer; deps.verifier = &verifier;
//   deps.hashing_executor = &hashing; deps.database_executor = &database;
//   AuthServiceImpl service(deps, options);
//   builder.RegisterService(&service);
//   builder.RegisterService(service.account_service());
//   ... shut the executors down before destroying the service.
#ifndef SERVICES_AUTH_AUTH_SERVICE_H_
#define SERVICES_AUTH_AUTH_SERVICE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "api/auth/v1/account.grpc.pb.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "libs/audit/audit_log.h"
#include "libs/executor/bounded_executor.h"
#include "libs/hashing/password_hasher.h"
#include "libs/metrics/auth_metrics.h"
#include "libs/repository/account_token_repository.h"
#include "libs/repository/attempt_limiter.h"
#include "libs/repository/mail_outbox.h"
#include "libs/repository/passkey_repository.h"
#include "libs/repository/refresh_token_repository.h"
#include "libs/repository/second_factor_repository.h"
#include "libs/repository/session_repository.h"
#include "libs/repository/user_repository.h"
#include "libs/token/token.h"
#include "services/auth/abuse/attempt_gate.h"
#include "services/auth/abuse/device_cookie.h"
#include "services/auth/account/login_handler.h"
#include "services/auth/account/register_handler.h"
#include "services/auth/credential_service.h"
#include "services/auth/mfa/complete_login_handler.h"
#include "services/auth/mfa/totp_common.h"
#include "services/auth/mfa/totp_enrollment_handler.h"
#include "services/auth/mfa/totp_maintenance_handler.h"
#include "services/auth/passkey/passkey_login_handler.h"
#include "services/auth/passkey/passkey_options.h"
#include "services/auth/passkey/passkey_registration_handler.h"
#include "services/auth/recovery/change_password_handler.h"
#include "services/auth/recovery/email_verification_handler.h"
#include "services/auth/recovery/password_reset_handler.h"
#include "services/auth/rpc/call_runner.h"
#include "services/auth/session/logout_handler.h"
#include "services/auth/session/refresh_token_handler.h"
#include "services/auth/session/session_issuer.h"
#include "services/auth/session/session_opener.h"
#include "services/auth/session/validate_token_handler.h"

namespace auth::service {

// What the service is composed of. Nothing is owned; everything must outlive the service.
struct AuthServiceDeps {
  repository::UserRepository* users = nullptr;
  repository::SessionRepository* sessions = nullptr;
  repository::RefreshTokenRepository* refresh_tokens = nullptr;
  // The tokens of mailed links (password reset); null: ResetPassword is unavailable
  // (FAILED_PRECONDITION), and options.recovery.mail_configured must be false.
  repository::AccountTokenRepository* account_tokens = nullptr;
  // Where mails without a link go (Register's note to the owner of a taken email); null: none.
  repository::MailOutbox* outbox = nullptr;
  hashing::PasswordHasher* hasher = nullptr;
  // Signs access tokens. (In the server a RememberingTokenIssuer, so that `verifier` knows
  // the tokens this process issued without checking their signature.)
  token::TokenIssuer* issuer = nullptr;
  // Checks access tokens, given the digest the service computes once per call anyway.
  token::PrehashedTokenVerifier* verifier = nullptr;
  // Sign and check device cookies (abuse/device_cookie.h): the same keys as access tokens, an
  // audience of their own. Null (either): no device cookies, every login is untrusted.
  token::TokenIssuer* device_issuer = nullptr;
  token::TokenVerifier* device_verifier = nullptr;
  executor::BoundedExecutor* hashing_executor = nullptr;
  executor::BoundedExecutor* database_executor = nullptr;
  // Counts attempts for the abuse limits (options.abuse_limits); null turns the limits off.
  repository::AttemptLimiter* attempts = nullptr;
  // Where calls, queue waits and session events are recorded; null records nothing.
  metrics::AuthMetrics* metrics = nullptr;
  // Where security events are recorded (registrations, logins and their failures and
  // refusals, logouts, refreshes, reuses, abuse limits hit); null records nothing.
  audit::AuditLog* audit_log = nullptr;
  // TOTP second factors and MFA tickets (mfa/); null: Login never asks for a second factor,
  // and CompleteLogin and the TOTP RPCs answer FAILED_PRECONDITION.
  repository::SecondFactorRepository* second_factors = nullptr;
  // Passkeys, their handles and ceremonies; null only when options.passkeys is off.
  repository::PasskeyRepository* passkeys = nullptr;
};

struct AuthServiceOptions {
  // The server's own bound on how long any call may wait for executors, MySQL and hashing,
  // whatever deadline (or none) the client set.
  absl::Duration max_call_duration = absl::Seconds(10);
  // How long a refresh token issued by Login or RefreshToken stays usable.
  absl::Duration refresh_token_lifetime = absl::Hours(24 * 30);
  // How long a refresh-token family lasts from the login that started it, however often it
  // rotates: no refresh token outlives it.
  absl::Duration refresh_family_lifetime = absl::Hours(24 * 30);
  // A rotated refresh token presented again within this time of its rotation is refused
  // without revoking its family (a client retrying a lost response), unless its successor has
  // been used already; zero: never.
  absl::Duration refresh_reuse_grace = absl::ZeroDuration();
  // What GetJwks answers: the public keys' JWKS document, asked on every call (keys rotate
  // while the server runs); empty: jwks_json, a fixed document.
  std::function<std::string()> jwks;
  std::string jwks_json = R"({"keys":[]})";
  // Failed logins per account and per address, registrations per address (abuse/attempt_gate.h).
  AbuseLimitsConfig abuse_limits;
  // Login answers an unknown account as a wrong password, after a dummy hash (--conceal_accounts;
  // off: NOT_FOUND "user not found", as the spec says).
  bool conceal_accounts = false;
  // Login refuses an account whose email address is not verified (FAILED_PRECONDITION), after
  // the password checks out (--require_verified_email; off: the spec's Login works right after
  // Register).
  bool require_verified_email = false;
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
  // Starts the name of every cookie the service sets and reads (session/session_cookies.h):
  // "", "__Host-", "__Secure-" or a plain token (ValidateCookiePrefix).
  std::string cookie_prefix;
  // Account recovery by mail: whether mail is configured, the links' base URL, lifetimes and
  // limits (recovery/password_reset_handler.h).
  RecoveryOptions recovery;
  // TOTP: the secrets' sealer (--totp_secret_key_file; null: TOTP RPCs answer
  // FAILED_PRECONDITION) and the otpauth URI's issuer (--totp_issuer).
  TotpSettings totp;
  // Passkeys: the relying party (--webauthn_*); rp_id empty turns them off.
  PasskeyOptions passkeys;
};

// auth.v1.AccountService: forwards each RPC to its handler, owned by the AuthServiceImpl.
class AccountServiceImpl final : public auth::v1::AccountService::CallbackService {
 public:
  AccountServiceImpl(const ChangePasswordHandler* change_password,
                     const PasswordResetHandler* password_reset,
                     const EmailVerificationHandler* email_verification)
      : change_password_(change_password),
        password_reset_(password_reset),
        email_verification_(email_verification) {}

  grpc::ServerUnaryReactor* ChangePassword(grpc::CallbackServerContext* context,
                                           const auth::v1::ChangePasswordRequest* request,
                                           auth::v1::ChangePasswordResponse* response) override;

  grpc::ServerUnaryReactor* RequestPasswordReset(
      grpc::CallbackServerContext* context, const auth::v1::RequestPasswordResetRequest* request,
      auth::v1::RequestPasswordResetResponse* response) override;

  grpc::ServerUnaryReactor* ResetPassword(grpc::CallbackServerContext* context,
                                          const auth::v1::ResetPasswordRequest* request,
                                          auth::v1::ResetPasswordResponse* response) override;

  grpc::ServerUnaryReactor* SendEmailVerification(
      grpc::CallbackServerContext* context, const auth::v1::SendEmailVerificationRequest* request,
      auth::v1::SendEmailVerificationResponse* response) override;

  grpc::ServerUnaryReactor* VerifyEmail(grpc::CallbackServerContext* context,
                                        const auth::v1::VerifyEmailRequest* request,
                                        auth::v1::VerifyEmailResponse* response) override;

 private:
  const ChangePasswordHandler* change_password_;
  const PasswordResetHandler* password_reset_;
  const EmailVerificationHandler* email_verification_;
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
  grpc::ServerUnaryReactor* BeginPasskeyLogin(
      grpc::CallbackServerContext* context, const auth::v1::BeginPasskeyLoginRequest* request,
      auth::v1::BeginPasskeyLoginResponse* response) override;
  grpc::ServerUnaryReactor* FinishPasskeyLogin(
      grpc::CallbackServerContext* context, const auth::v1::FinishPasskeyLoginRequest* request,
      auth::v1::FinishPasskeyLoginResponse* response) override;

  grpc::ServerUnaryReactor* CompleteLogin(grpc::CallbackServerContext* context,
                                          const auth::v1::CompleteLoginRequest* request,
                                          auth::v1::CompleteLoginResponse* response) override;

  // auth.v1.AccountService, to register beside this service; it lives as long as this one.
  AccountServiceImpl* account_service() { return &account_service_; }
  // auth.v1.CredentialService, likewise.
  CredentialServiceImpl* credential_service() { return &credential_service_; }

 private:
  AuthServiceDeps deps_;  // with the defaults for the optional ones filled in
  AuthServiceOptions options_;
  // Shared by the handlers (declared before them: they keep pointers to these).
  CallRunner runner_;
  AttemptGate gate_;
  DeviceCookies devices_;
  SessionIssuer session_issuer_;
  SessionOpener session_opener_;
  // One per RPC.
  RegisterHandler register_;
  LoginHandler login_;
  SessionValidator session_validator_;
  ValidateTokenHandler validate_token_;
  GetSessionHandler get_session_;
  LogoutHandler logout_;
  RefreshTokenHandler refresh_token_;
  ChangePasswordHandler change_password_;
  PasswordResetHandler password_reset_;
  EmailVerificationHandler email_verification_;
  // TOTP (mfa/): null without deps.second_factors.
  std::unique_ptr<TotpEnrollmentHandler> totp_enrollment_;
  std::unique_ptr<TotpMaintenanceHandler> totp_maintenance_;
  std::unique_ptr<CompleteLoginHandler> complete_login_;
  PasskeyRegistrationHandler passkey_registration_;
  PasskeyLoginHandler passkey_login_;
  AccountServiceImpl account_service_;
  CredentialServiceImpl credential_service_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_AUTH_SERVICE_H_
