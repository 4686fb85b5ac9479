// AuthServiceImpl: construction, Register, Login and Logout. The token RPCs are in
// token_handlers.cc.
#include "services/auth/auth_service.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "libs/metrics/auth_metrics.h"
#include "libs/metrics/noop_auth_metrics.h"
#include "services/auth/abuse_limits.h"
#include "services/auth/call.h"
#include "services/auth/credentials.h"
#include "services/auth/opaque_tokens.h"
#include "services/auth/status_mapping.h"
#include "services/auth/validation.h"

namespace auth::service {

using auth::v1::LoginRequest;
using auth::v1::LoginResponse;
using auth::v1::LogoutRequest;
using auth::v1::LogoutResponse;
using auth::v1::RegisterRequest;
using auth::v1::RegisterResponse;

AuthServiceImpl::AuthServiceImpl(AuthServiceDeps deps, AuthServiceOptions options)
    : deps_(deps), options_(options) {
  CHECK(deps_.users && deps_.sessions && deps_.refresh_tokens && deps_.hasher && deps_.issuer &&
        deps_.verifier && deps_.hashing_executor && deps_.database_executor)
      << "AuthServiceImpl needs every dependency";
  if (deps_.metrics == nullptr) deps_.metrics = &metrics::NoopAuthMetrics::Get();
  // A batch task takes one batch and then queues behind the executor's other work, so even
  // with as many batches in flight as workers, logins and registrations are not starved.
  // (MicroBatcher treats sizes below 1 as 1.)
  const int in_flight = options_.database_batches_in_flight > 0
                            ? options_.database_batches_in_flight
                            : deps_.database_executor->workers();
  // A call the batcher could not serve is answered like one the executor refused.
  const auto refuse = [](auto& pending, const absl::Status& status) {
    pending.call->Finish(ExecutorRejection(status));
  };
  validations_ = std::make_unique<executor::MicroBatcher<PendingValidation>>(
      *deps_.database_executor,
      executor::MicroBatcher<PendingValidation>::Options{"validations",
                                                         options_.max_database_batch, in_flight},
      [this](std::vector<PendingValidation>& batch) { ValidateBatch(batch); }, refuse);
  logouts_ = std::make_unique<executor::MicroBatcher<PendingLogout>>(
      *deps_.database_executor,
      executor::MicroBatcher<PendingLogout>::Options{"logouts", options_.max_database_batch,
                                                     in_flight},
      [this](std::vector<PendingLogout>& batch) { LogoutBatch(batch); }, refuse);
}

AuthServiceImpl::~AuthServiceImpl() = default;

std::shared_ptr<AuthServiceImpl::Call> AuthServiceImpl::StartCall(
    grpc::CallbackServerContext* context, metrics::Rpc rpc) const {
  return std::make_shared<Call>(context, rpc, options_.max_call_duration, *deps_.metrics);
}

void AuthServiceImpl::RunOn(executor::BoundedExecutor& executor,
                            const std::shared_ptr<Call>& call, std::function<void()> work) {
  // How long hashing tasks queue is a capacity signal (auth_hashing_wait_seconds); it is
  // measured here so the executor stays free of metrics.
  const bool hashing = &executor == deps_.hashing_executor;
  const absl::Time submitted_at = absl::Now();
  absl::Status submitted = executor.Submit(
      call->deadline(), [this, call, work = std::move(work), hashing,
                         submitted_at](absl::Status status) {
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

bool AuthServiceImpl::Admit(Call& call, const std::vector<repository::AttemptLimit>& limits) {
  absl::StatusOr<repository::Admission> admission = deps_.attempts->Admit(limits, absl::Now());
  if (!admission.ok()) {
    // Fail closed: without the counters, the limits cannot be enforced.
    call.Finish(admission.status());
    return false;
  }
  if (!admission->admitted) {
    call.context()->AddTrailingMetadata(kRetryAfterKey, RetryAfterSeconds(admission->retry_after));
    call.Finish(absl::ResourceExhaustedError("too many attempts, retry later"));
    return false;
  }
  return true;
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
  std::function<void()> hash_and_create = [this, call, request, response,
                                           registration = *std::move(registration)]() mutable {
    absl::StatusOr<std::string> password_hash = deps_.hasher->Hash(request->password_hash());
    if (!password_hash.ok()) {
      call->Finish(password_hash.status());
      return;
    }
    repository::NewUser user{std::move(registration.username), std::move(registration.email),
                             std::move(registration.phone_number), *std::move(password_hash)};
    RunOn(*deps_.database_executor, call, [this, call, response, user = std::move(user)]() {
      absl::StatusOr<int64_t> id = deps_.users->Create(user);
      if (!id.ok()) {
        call->Finish(id.status());
        return;
      }
      response->set_message(kRegisteredMessage);
      response->set_status(kRegisteredStatus);
      call->Finish(absl::OkStatus());
    });
  };
  std::vector<repository::AttemptLimit> limits;
  if (deps_.attempts != nullptr) {
    limits = RegisterLimits(options_.abuse_limits, ClientAddress(context->peer()));
  }
  if (limits.empty()) {
    RunOn(*deps_.hashing_executor, call, std::move(hash_and_create));
    return call->reactor();
  }
  // The attempt is counted before the (expensive) hash.
  RunOn(*deps_.database_executor, call,
        [this, call, limits = std::move(limits),
         hash_and_create = std::move(hash_and_create)]() mutable {
          if (!Admit(*call, limits)) return;
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
         address = ClientAddress(context->peer())]() {
          absl::StatusOr<repository::User> user = identity.kind == LoginIdentity::Kind::kEmail
                                                      ? deps_.users->FindByEmail(identity.value)
                                                      : deps_.users->FindByPhone(identity.value);
          if (!user.ok() && user.status().code() != absl::StatusCode::kNotFound) {
            call->Finish(user.status());
            return;
          }
          if (deps_.attempts != nullptr) {
            // An unknown account counts against the address only: probing for accounts is
            // limited like guessing passwords.
            const std::vector<repository::AttemptLimit> limits =
                LoginLimits(options_.abuse_limits, user.ok() ? user->id : 0, address);
            if (!limits.empty() && !Admit(*call, limits)) return;
          }
          if (!user.ok()) {
            call->Finish(absl::NotFoundError("user not found"));
            return;
          }
          LoginVerifyPassword(call, request, response, *std::move(user), address);
        });
  return call->reactor();
}

void AuthServiceImpl::LoginVerifyPassword(std::shared_ptr<Call> call, const LoginRequest* request,
                                          LoginResponse* response, repository::User user,
                                          std::string address) {
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

void AuthServiceImpl::LoginOpenSession(std::shared_ptr<Call> call, LoginResponse* response,
                                       int64_t user_id, std::optional<std::string> upgraded_hash,
                                       std::string address) {
  if (user_id <= 0 || user_id > std::numeric_limits<int32_t>::max()) {
    // The API's user_id is int32; a larger id would be silently truncated on the wire.
    LOG(ERROR) << "user id " << user_id << " does not fit the API's int32 user_id";
    call->Finish(absl::InternalError("user id out of range"));
    return;
  }
  absl::StatusOr<IssuedSession> issued = IssueSession(user_id, "", call->context()->peer());
  if (!issued.ok()) {
    call->Finish(issued.status());
    return;
  }
  RunOn(*deps_.database_executor, call,
        [this, call, response, user_id, upgraded_hash = std::move(upgraded_hash),
         issued = *std::move(issued), address = std::move(address)]() {
          if (deps_.attempts != nullptr) {
            // A success resets its account's failures and takes its attempt back from the
            // address. Best effort: a stale counter only ever errs towards refusing.
            const std::vector<std::string> reset = LoginResetKeys(options_.abuse_limits, user_id);
            const std::vector<std::string> refund = LoginRefundKeys(options_.abuse_limits, address);
            const absl::Status settled = reset.empty() && refund.empty()
                                             ? absl::OkStatus()
                                             : deps_.attempts->Settle(reset, refund);
            LOG_IF(WARNING, !settled.ok()) << "login attempt counters of user " << user_id
                                           << " not settled: " << settled.code();
          }
          if (upgraded_hash.has_value()) {
            // Best effort: the login itself succeeded, the upgrade is retried at the next one.
            absl::Status updated = deps_.users->UpdatePasswordHash(user_id, *upgraded_hash);
            LOG_IF(WARNING, !updated.ok())
                << "password hash upgrade for user " << user_id << " failed: " << updated.code();
          }
          if (absl::Status created = deps_.refresh_tokens->Create(issued.grant); !created.ok()) {
            call->Finish(created);
            return;
          }
          deps_.metrics->RecordSessionsCreated(1);
          const absl::Time expires_at = issued.grant.session.expires_at;
          const absl::Duration max_age = expires_at - absl::Now();
          call->context()->AddInitialMetadata(
              kSetCookieHeader, MakeSetCookie(kUserIdCookie, absl::StrCat(user_id), max_age));
          call->context()->AddInitialMetadata(
              kSetCookieHeader, MakeSetCookie(kTokenCookie, issued.access_token, max_age));
          response->set_user_id(static_cast<int32_t>(user_id));
          response->set_jwt_token(issued.access_token);
          response->set_refresh_token(issued.refresh_token);
          response->set_expires_at_unix_seconds(absl::ToUnixSeconds(expires_at));
          call->Finish(absl::OkStatus());
        });
}

grpc::ServerUnaryReactor* AuthServiceImpl::Logout(grpc::CallbackServerContext* context,
                                                  const LogoutRequest* request,
                                                  LogoutResponse* response) {
  auto call = StartCall(context, metrics::Rpc::kLogout);
  if (request->user_id() <= 0) {
    call->Finish(absl::InvalidArgumentError("user_id: must be a positive user id"));
    return call->reactor();
  }
  absl::StatusOr<std::string> token = ExtractAccessToken(ClientHeaders(*context));
  if (!token.ok()) {
    call->Finish(token.status());
    return call->reactor();
  }
  // Signature checks are microseconds: cheap enough for the gRPC thread.
  absl::StatusOr<token::TokenClaims> claims = deps_.verifier->Verify(*token);
  if (!claims.ok()) {
    call->Finish(absl::UnauthenticatedError(claims.status().message()));
    return call->reactor();
  }
  int64_t subject = 0;
  if (!absl::SimpleAtoi(claims->subject, &subject)) {
    call->Finish(absl::UnauthenticatedError("token subject is not a user id"));
    return call->reactor();
  }
  if (subject != request->user_id()) {
    call->Finish(absl::PermissionDeniedError("the token belongs to another user"));
    return call->reactor();
  }
  PendingLogout pending{call, response, {}};
  pending.request.session_jti = claims->jwt_id;
  pending.request.user_id = subject;
  pending.request.token_hash = Sha256Hex(*token);
  pending.request.current_session_only = request->current_session_only();
  if (absl::Status queued = logouts_->Add(std::move(pending), call->deadline()); !queued.ok()) {
    call->Finish(ExecutorRejection(queued));
  }
  return call->reactor();
}

void AuthServiceImpl::LogoutBatch(std::vector<PendingLogout>& batch) {
  const std::vector<PendingLogout*> live = StillWaiting(batch);
  if (live.empty()) return;
  std::vector<repository::LogoutRequest> requests;
  requests.reserve(live.size());
  for (const PendingLogout* pending : live) requests.push_back(pending->request);
  deps_.metrics->RecordDatabaseBatch(metrics::Rpc::kLogout, static_cast<int64_t>(live.size()));
  // One transaction for the batch: each presented session is checked (active, this user's,
  // this token's) and the sessions and refresh tokens of the valid ones are revoked.
  absl::StatusOr<repository::LogoutResults> results = deps_.refresh_tokens->LogoutMany(requests);
  if (results.ok() && results->logged_out.size() != live.size()) {
    results = absl::InternalError("logout results do not match the requests");
  }
  if (!results.ok()) {
    for (PendingLogout* pending : live) pending->call->Finish(results.status());
    return;
  }
  deps_.metrics->RecordSessionsRevoked(results->sessions_revoked);
  for (size_t i = 0; i < live.size(); ++i) {
    if (!results->logged_out[i]) {
      live[i]->call->Finish(absl::UnauthenticatedError("session ended, unknown or not this token's"));
      continue;
    }
    live[i]->response->set_message(kLoggedOutMessage);
    live[i]->response->set_status(kLoggedOutStatus);
    live[i]->call->Finish(absl::OkStatus());
  }
}

}  // namespace auth::service
