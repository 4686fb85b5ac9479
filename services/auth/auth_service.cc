// AuthServiceImpl: the handlers' wiring, and GetJwks, which needs nothing; see auth_service.h.
#include "services/auth/auth_service.h"

#include <utility>

#include "absl/status/status.h"
#include "glog/logging.h"
#include "libs/audit/noop_audit_log.h"
#include "libs/metrics/noop_auth_metrics.h"

namespace auth::service {
namespace {

AuthServiceDeps WithDefaults(AuthServiceDeps deps) {
  CHECK(deps.users && deps.sessions && deps.refresh_tokens && deps.hasher && deps.issuer &&
        deps.verifier && deps.hashing_executor && deps.database_executor)
      << "AuthServiceImpl needs every dependency";
  if (deps.metrics == nullptr) deps.metrics = &metrics::NoopAuthMetrics::Get();
  if (deps.audit_log == nullptr) deps.audit_log = &audit::NoopAuditLog::Get();
  return deps;
}

// A batch task takes one batch and then queues behind the executor's other work, so even with
// as many batches in flight as workers, logins and registrations are not starved.
SessionBatchOptions BatchOptions(const AuthServiceDeps& deps, const AuthServiceOptions& options) {
  SessionBatchOptions batch;
  batch.max_batch = options.max_database_batch;
  batch.in_flight = options.database_batches_in_flight > 0 ? options.database_batches_in_flight
                                                           : deps.database_executor->workers();
  batch.queue = options.database_batch_queue;
  return batch;
}

// The TOTP handlers' dependencies.
TotpDeps TotpDepsOf(const AuthServiceDeps& deps, const AuthServiceOptions& options,
                    const AttemptGate* gate, const CallRunner* runner) {
  return {deps.users, deps.sessions,  deps.second_factors,     deps.hasher, deps.verifier, gate,
          runner,     deps.audit_log, {options.cookie_prefix}, options.totp};
}

}  // namespace

AuthServiceImpl::AuthServiceImpl(AuthServiceDeps deps, AuthServiceOptions options)
    : deps_(WithDefaults(deps)),
      options_(std::move(options)),
      runner_(deps_.hashing_executor, deps_.database_executor, deps_.metrics,
              options_.max_call_duration),
      gate_(deps_.attempts, options_.abuse_limits, deps_.audit_log),
      devices_(deps_.device_issuer, deps_.device_verifier, options_.cookie_prefix),
      session_issuer_(*deps_.issuer, options_.refresh_token_lifetime,
                      options_.refresh_family_lifetime),
      session_opener_(session_issuer_, *deps_.refresh_tokens, *deps_.metrics, *deps_.audit_log,
                      {options_.cookie_prefix}),
      // The notifier is constructed below: Register only calls it while serving.
      register_({deps_.users, deps_.hasher, &gate_, &runner_, deps_.audit_log,
                 options_.recovery.mail_configured ? &email_verification_ : nullptr,
                 options_.conceal_accounts}),
      login_({deps_.users, deps_.hasher, &gate_, &session_opener_, &runner_, deps_.audit_log,
              &devices_, options_.conceal_accounts, options_.require_verified_email,
              options_.recovery.mail_configured ? &email_verification_ : nullptr,
              deps_.second_factors}),
      session_validator_(deps_.sessions, deps_.verifier, &runner_, BatchOptions(deps_, options_),
                         deps_.audit_log, deps_.users),
      validate_token_(&session_validator_),
      get_session_(&session_validator_, {options_.cookie_prefix}),
      logout_({deps_.refresh_tokens,
               deps_.verifier,
               &runner_,
               deps_.audit_log,
               {options_.cookie_prefix},
               &gate_},
              BatchOptions(deps_, options_)),
      refresh_token_({deps_.refresh_tokens,
                      &gate_,
                      &session_issuer_,
                      &runner_,
                      deps_.audit_log,
                      {options_.cookie_prefix}},
                     options_.refresh_reuse_grace),
      change_password_({deps_.users,
                        deps_.sessions,
                        deps_.refresh_tokens,
                        deps_.hasher,
                        deps_.verifier,
                        &gate_,
                        &runner_,
                        deps_.audit_log,
                        {options_.cookie_prefix}}),
      password_reset_({deps_.users,
                       deps_.account_tokens,
                       deps_.attempts,
                       deps_.hasher,
                       &gate_,
                       &runner_,
                       deps_.audit_log,
                       {options_.cookie_prefix}},
                      options_.recovery),
      email_verification_({deps_.users,
                           deps_.sessions,
                           deps_.account_tokens,
                           deps_.attempts,
                           deps_.outbox,
                           deps_.verifier,
                           &runner_,
                           deps_.audit_log,
                           {options_.cookie_prefix}},
                          options_.recovery),
      totp_enrollment_(deps_.second_factors == nullptr
                           ? nullptr
                           : std::make_unique<TotpEnrollmentHandler>(
                                 TotpDepsOf(deps_, options_, &gate_, &runner_))),
      totp_maintenance_(deps_.second_factors == nullptr
                            ? nullptr
                            : std::make_unique<TotpMaintenanceHandler>(
                                  TotpDepsOf(deps_, options_, &gate_, &runner_))),
      complete_login_(
          deps_.second_factors == nullptr
              ? nullptr
              : std::make_unique<CompleteLoginHandler>(
                    TotpDepsOf(deps_, options_, &gate_, &runner_), &session_opener_, &devices_)),
      passkey_registration_({deps_.users,
                             deps_.sessions,
                             deps_.passkeys,
                             deps_.hasher,
                             deps_.verifier,
                             &gate_,
                             &runner_,
                             deps_.audit_log,
                             {options_.cookie_prefix},
                             options_.passkeys}),
      passkey_login_({deps_.users, deps_.passkeys, deps_.attempts, &session_opener_, &gate_,
                      &runner_, deps_.audit_log, options_.passkeys}),
      account_service_(&change_password_, &password_reset_, &email_verification_),
      credential_service_(totp_enrollment_.get(), totp_maintenance_.get(), &passkey_registration_) {
}

AuthServiceImpl::~AuthServiceImpl() = default;

grpc::ServerUnaryReactor* AuthServiceImpl::Register(grpc::CallbackServerContext* context,
                                                    const auth::v1::RegisterRequest* request,
                                                    auth::v1::RegisterResponse* response) {
  return register_.Handle(context, request, response);
}

grpc::ServerUnaryReactor* AuthServiceImpl::Login(grpc::CallbackServerContext* context,
                                                 const auth::v1::LoginRequest* request,
                                                 auth::v1::LoginResponse* response) {
  return login_.Handle(context, request, response);
}

grpc::ServerUnaryReactor* AuthServiceImpl::Logout(grpc::CallbackServerContext* context,
                                                  const auth::v1::LogoutRequest* request,
                                                  auth::v1::LogoutResponse* response) {
  return logout_.Handle(context, request, response);
}

grpc::ServerUnaryReactor* AuthServiceImpl::ValidateToken(
    grpc::CallbackServerContext* context, const auth::v1::ValidateTokenRequest* request,
    auth::v1::ValidateTokenResponse* response) {
  return validate_token_.Handle(context, request, response);
}

grpc::ServerUnaryReactor* AuthServiceImpl::RefreshToken(
    grpc::CallbackServerContext* context, const auth::v1::RefreshTokenRequest* request,
    auth::v1::RefreshTokenResponse* response) {
  return refresh_token_.Handle(context, request, response);
}

grpc::ServerUnaryReactor* AuthServiceImpl::GetSession(grpc::CallbackServerContext* context,
                                                      const auth::v1::GetSessionRequest* request,
                                                      auth::v1::GetSessionResponse* response) {
  return get_session_.Handle(context, request, response);
}

grpc::ServerUnaryReactor* AuthServiceImpl::CompleteLogin(
    grpc::CallbackServerContext* context, const auth::v1::CompleteLoginRequest* request,
    auth::v1::CompleteLoginResponse* response) {
  if (complete_login_ == nullptr) return TotpUnavailable(context);
  return complete_login_->Handle(context, request, response);
}

grpc::ServerUnaryReactor* AuthServiceImpl::BeginPasskeyLogin(
    grpc::CallbackServerContext* context, const auth::v1::BeginPasskeyLoginRequest* request,
    auth::v1::BeginPasskeyLoginResponse* response) {
  return passkey_login_.Begin(context, request, response);
}

grpc::ServerUnaryReactor* AuthServiceImpl::FinishPasskeyLogin(
    grpc::CallbackServerContext* context, const auth::v1::FinishPasskeyLoginRequest* request,
    auth::v1::FinishPasskeyLoginResponse* response) {
  return passkey_login_.Finish(context, request, response);
}

grpc::ServerUnaryReactor* AccountServiceImpl::ChangePassword(
    grpc::CallbackServerContext* context, const auth::v1::ChangePasswordRequest* request,
    auth::v1::ChangePasswordResponse* response) {
  return change_password_->Handle(context, request, response);
}

grpc::ServerUnaryReactor* AccountServiceImpl::RequestPasswordReset(
    grpc::CallbackServerContext* context, const auth::v1::RequestPasswordResetRequest* request,
    auth::v1::RequestPasswordResetResponse* response) {
  return password_reset_->Request(context, request, response);
}

grpc::ServerUnaryReactor* AccountServiceImpl::ResetPassword(
    grpc::CallbackServerContext* context, const auth::v1::ResetPasswordRequest* request,
    auth::v1::ResetPasswordResponse* response) {
  return password_reset_->Reset(context, request, response);
}

grpc::ServerUnaryReactor* AccountServiceImpl::SendEmailVerification(
    grpc::CallbackServerContext* context, const auth::v1::SendEmailVerificationRequest* request,
    auth::v1::SendEmailVerificationResponse* response) {
  return email_verification_->Send(context, request, response);
}

grpc::ServerUnaryReactor* AccountServiceImpl::VerifyEmail(
    grpc::CallbackServerContext* context, const auth::v1::VerifyEmailRequest* request,
    auth::v1::VerifyEmailResponse* response) {
  return email_verification_->Verify(context, request, response);
}

grpc::ServerUnaryReactor* AuthServiceImpl::GetJwks(grpc::CallbackServerContext* context,
                                                   const auth::v1::GetJwksRequest* /*request*/,
                                                   auth::v1::GetJwksResponse* response) {
  auto call = runner_.Start(context, metrics::Rpc::kGetJwks);
  response->set_jwks_json(options_.jwks ? options_.jwks() : options_.jwks_json);
  call->Finish(absl::OkStatus());
  return call->reactor();
}

}  // namespace auth::service
