// AuthServiceImpl: construction, the executor plumbing, and the account flows: Register, Login
// (GetJwks too, which needs nothing). The session flows are in session_handlers.cc.
#include "services/auth/auth_service.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "libs/audit/noop_audit_log.h"
#include "libs/authn/credentials.h"
#include "libs/authn/user_id.h"
#include "libs/metrics/auth_metrics.h"
#include "libs/metrics/noop_auth_metrics.h"
#include "services/auth/attempt_gate.h"
#include "services/auth/caller_peer.h"
#include "services/auth/status_mapping.h"
#include "services/auth/unary_call.h"
#include "services/auth/validation.h"

namespace auth::service {

using audit::AuditEventType;
using auth::v1::GetJwksRequest;
using auth::v1::GetJwksResponse;
using auth::v1::LoginRequest;
using auth::v1::LoginResponse;
using auth::v1::RegisterRequest;
using auth::v1::RegisterResponse;

AuthServiceImpl::AuthServiceImpl(AuthServiceDeps deps, AuthServiceOptions options)
    : deps_(deps),
      options_(options),
      gate_(deps_.attempts, options_.abuse_limits, deps_.audit_log),
      session_issuer_(*deps_.issuer, options_.refresh_token_lifetime,
                      options_.refresh_family_lifetime) {
  CHECK(deps_.users && deps_.sessions && deps_.refresh_tokens && deps_.hasher && deps_.issuer &&
        deps_.verifier && deps_.hashing_executor && deps_.database_executor)
      << "AuthServiceImpl needs every dependency";
  if (deps_.metrics == nullptr) deps_.metrics = &metrics::NoopAuthMetrics::Get();
  if (deps_.audit_log == nullptr) deps_.audit_log = &audit::NoopAuditLog::Get();
  // A batch task takes one batch and then queues behind the executor's other work, so even
  // with as many batches in flight as workers, logins and registrations are not starved.
  // (MicroBatcher treats sizes below 1 as 1.)
  const int in_flight = options_.database_batches_in_flight > 0
                            ? options_.database_batches_in_flight
                            : deps_.database_executor->workers();
  validations_ = NewValidationBatcher(in_flight);
  logouts_ = NewLogoutBatcher(in_flight);
}

AuthServiceImpl::~AuthServiceImpl() = default;

std::shared_ptr<UnaryCall> AuthServiceImpl::StartCall(grpc::CallbackServerContext* context,
                                                      metrics::Rpc rpc) const {
  return std::make_shared<UnaryCall>(context, rpc, options_.max_call_duration, *deps_.metrics);
}

void AuthServiceImpl::RunOn(executor::BoundedExecutor& executor,
                            const std::shared_ptr<UnaryCall>& call, std::function<void()> work) {
  // How long hashing tasks queue is a capacity signal (auth_hashing_wait_seconds); it is
  // measured here so the executor stays free of metrics.
  const bool hashing = &executor == deps_.hashing_executor;
  const absl::Time submitted_at = absl::Now();
  absl::Status submitted = executor.Submit(
      call->deadline(),
      [this, call, work = std::move(work), hashing, submitted_at](absl::Status status) {
        if (hashing) deps_.metrics->RecordHashingWait(absl::Now() - submitted_at);
        if (!status.ok()) {
          call->Finish(ExecutorRejection(status));
          return;
        }
        if (call->FinishIfCancelled()) return;
        work();
      });
  if (!submitted.ok()) call->Finish(ExecutorRejection(submitted));
}

bool AuthServiceImpl::PassedGate(UnaryCall& call, const absl::Status& admission,
                                 const std::string& retry_after) {
  if (admission.ok()) return true;
  if (!retry_after.empty()) call.context()->AddTrailingMetadata(kRetryAfterKey, retry_after);
  call.Finish(admission);
  return false;
}

void AuthServiceImpl::Audit(AuditEventType type, int64_t user_id, std::string client_address,
                            std::string reason, std::string session_id,
                            std::string family_id) const {
  audit::AuditEvent event;
  event.type = type;
  event.user_id = user_id;
  event.client_address = std::move(client_address);
  event.reason = std::move(reason);
  event.session_id = std::move(session_id);
  event.family_id = std::move(family_id);
  deps_.audit_log->Record(event);
}

grpc::ServerUnaryReactor* AuthServiceImpl::GetJwks(grpc::CallbackServerContext* context,
                                                   const GetJwksRequest* /*request*/,
                                                   GetJwksResponse* response) {
  auto call = StartCall(context, metrics::Rpc::kGetJwks);
  response->set_jwks_json(options_.jwks ? options_.jwks() : options_.jwks_json);
  call->Finish(absl::OkStatus());
  return call->reactor();
}

grpc::ServerUnaryReactor* AuthServiceImpl::Register(grpc::CallbackServerContext* context,
                                                    const RegisterRequest* request,
                                                    RegisterResponse* response) {
  auto call = StartCall(context, metrics::Rpc::kRegister);
  absl::StatusOr<Registration> registration = ValidateRegisterRequest(*request);
  if (!registration.ok()) {
    call->Finish(registration.status());
    return call->reactor();
  }
  std::string address = ClientAddress(CallerPeer(*context));
  std::function<void()> hash_and_create = [this, call, request, response, address,
                                           registration = *std::move(registration)]() mutable {
    absl::StatusOr<std::string> password_hash = deps_.hasher->Hash(request->password_hash());
    if (!password_hash.ok()) {
      call->Finish(password_hash.status());
      return;
    }
    repository::NewUser user{std::move(registration.username), std::move(registration.email),
                             std::move(registration.phone_number), *std::move(password_hash)};
    RunOn(*deps_.database_executor, call,
          [this, call, response, user = std::move(user), address = std::move(address)]() {
            absl::StatusOr<int64_t> id = deps_.users->Create(user);
            if (!id.ok()) {
              call->Finish(id.status());
              return;
            }
            Audit(AuditEventType::kRegister, *id, address, /*reason=*/"");
            response->set_message(kRegisteredMessage);
            response->set_status(kRegisteredStatus);
            call->Finish(absl::OkStatus());
          });
  };
  if (!gate_.CountsRegistrations()) {
    RunOn(*deps_.hashing_executor, call, std::move(hash_and_create));
    return call->reactor();
  }
  // The attempt is counted before the (expensive) hash.
  RunOn(*deps_.database_executor, call,
        [this, call, address = std::move(address),
         hash_and_create = std::move(hash_and_create)]() mutable {
          std::string retry_after;
          const absl::Status admitted = gate_.AdmitRegistration(address, &retry_after);
          if (!PassedGate(*call, admitted, retry_after)) return;
          RunOn(*deps_.hashing_executor, call, std::move(hash_and_create));
        });
  return call->reactor();
}

grpc::ServerUnaryReactor* AuthServiceImpl::Login(grpc::CallbackServerContext* context,
                                                 const LoginRequest* request,
                                                 LoginResponse* response) {
  auto call = StartCall(context, metrics::Rpc::kLogin);
  absl::StatusOr<LoginIdentity> identity = ValidateLoginRequest(*request);
  if (!identity.ok()) {
    call->Finish(identity.status());
    return call->reactor();
  }
  // One database task looks the account up and counts the attempt, before any hash.
  RunOn(*deps_.database_executor, call,
        [this, call, request, response, identity = *std::move(identity),
         address = ClientAddress(CallerPeer(*context))]() {
          absl::StatusOr<repository::User> user = identity.kind == LoginIdentity::Kind::kEmail
                                                      ? deps_.users->FindByEmail(identity.value)
                                                      : deps_.users->FindByPhone(identity.value);
          if (!user.ok() && user.status().code() != absl::StatusCode::kNotFound) {
            call->Finish(user.status());
            return;
          }
          // An unknown account counts against the address only: probing for accounts is
          // limited like guessing passwords.
          const int64_t user_id = user.ok() ? user->id : 0;
          std::string retry_after;
          const absl::Status admitted = gate_.AdmitLogin(user_id, address, &retry_after);
          if (!admitted.ok()) {
            Audit(AuditEventType::kLoginRefused, user_id, address,
                  admitted.code() == absl::StatusCode::kResourceExhausted ? "abuse_limit"
                                                                          : "limiter_failed");
          }
          if (!PassedGate(*call, admitted, retry_after)) return;
          if (!user.ok()) {
            Audit(AuditEventType::kLoginFailure, 0, address, "unknown_account");
            call->Finish(absl::NotFoundError("user not found"));
            return;
          }
          LoginVerifyPassword(call, request, response, *std::move(user), address);
        });
  return call->reactor();
}

void AuthServiceImpl::LoginVerifyPassword(std::shared_ptr<UnaryCall> call,
                                          const LoginRequest* request, LoginResponse* response,
                                          repository::User user, std::string address) {
  RunOn(*deps_.hashing_executor, call,
        [this, call, request, response, user = std::move(user), address = std::move(address)]() {
          absl::StatusOr<bool> match =
              deps_.hasher->Verify(request->password_hash(), user.password_hash);
          if (!match.ok()) {
            // The stored hash is unreadable: our data is broken, not the caller's input.
            LOG(ERROR) << "stored password hash of user " << user.id
                       << " cannot be verified: " << match.status().code();
            call->Finish(absl::InternalError("stored credentials unreadable"));
            return;
          }
          if (!*match) {
            Audit(AuditEventType::kLoginFailure, user.id, address, "wrong_password");
            call->Finish(absl::UnauthenticatedError("wrong password"));
            return;
          }
          std::optional<std::string> upgraded_hash;
          if (deps_.hasher->NeedsRehash(user.password_hash)) {
            absl::StatusOr<std::string> rehashed = deps_.hasher->Hash(request->password_hash());
            if (rehashed.ok()) {
              upgraded_hash = *std::move(rehashed);
            } else {
              LOG(WARNING) << "password rehash for user " << user.id
                           << " failed: " << rehashed.status().code();
            }
          }
          LoginOpenSession(call, response, user.id, std::move(upgraded_hash), address);
        });
}

void AuthServiceImpl::LoginOpenSession(std::shared_ptr<UnaryCall> call, LoginResponse* response,
                                       int64_t user_id, std::optional<std::string> upgraded_hash,
                                       std::string address) {
  if (!authn::IsApiUserId(user_id)) {
    LOG(ERROR) << "user id " << user_id << " does not fit the API's int32 user_id";
    call->Finish(absl::InternalError("user id out of range"));
    return;
  }
  absl::StatusOr<IssuedSession> issued =
      session_issuer_.Issue(user_id, CallerPeer(*call->context()));
  if (!issued.ok()) {
    call->Finish(issued.status());
    return;
  }
  RunOn(*deps_.database_executor, call,
        [this, call, response, user_id, upgraded_hash = std::move(upgraded_hash),
         issued = *std::move(issued), address = std::move(address)]() {
          if (upgraded_hash.has_value()) {
            // Best effort: the login itself succeeded, the upgrade is retried at the next one.
            absl::Status updated = deps_.users->UpdatePasswordHash(user_id, *upgraded_hash);
            LOG_IF(WARNING, !updated.ok())
                << "password hash upgrade for user " << user_id << " failed: " << updated.code();
          }
          // The session, its refresh token, and the success's settlement of the attempt
          // counters (the account's failures reset, the address's attempt taken back): one
          // transaction, one commit.
          const absl::Status created =
              deps_.refresh_tokens->Create(issued.grant, gate_.LoginSettlement(user_id, address));
          if (!created.ok()) {
            call->Finish(created);
            return;
          }
          deps_.metrics->RecordSessionsCreated(1);
          Audit(AuditEventType::kLoginSuccess, user_id, address, /*reason=*/"",
                issued.grant.session.jti, issued.grant.refresh_token.family_id);
          const absl::Time expires_at = issued.grant.session.expires_at;
          const absl::Duration max_age = expires_at - absl::Now();
          call->context()->AddInitialMetadata(
              authn::kSetCookieHeader,
              authn::MakeSetCookie(authn::kUserIdCookie, absl::StrCat(user_id), max_age));
          call->context()->AddInitialMetadata(
              authn::kSetCookieHeader,
              authn::MakeSetCookie(authn::kTokenCookie, issued.access_token, max_age));
          response->set_user_id(static_cast<int32_t>(user_id));
          response->set_jwt_token(issued.access_token);
          response->set_refresh_token(issued.refresh_token);
          response->set_expires_at_unix_seconds(absl::ToUnixSeconds(expires_at));
          call->Finish(absl::OkStatus());
        });
}

}  // namespace auth::service
