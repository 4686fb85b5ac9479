// LoginHandler; see login_handler.h.
#include "services/auth/account/login_handler.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "libs/authn/credentials.h"
#include "services/auth/account/validation.h"
#include "services/auth/rpc/browser_call.h"
#include "services/auth/rpc/caller.h"
#include "services/auth/session/session_cookies.h"

namespace auth::service {

using audit::AuditEventType;
using auth::v1::LoginRequest;
using auth::v1::LoginResponse;

LoginHandler::LoginHandler(Deps deps) : deps_(deps) {
  CHECK(deps_.users && deps_.refresh_tokens && deps_.hasher && deps_.gate && deps_.session_issuer &&
        deps_.runner && deps_.audit_log)
      << "LoginHandler needs every dependency";
}

grpc::ServerUnaryReactor* LoginHandler::Handle(grpc::CallbackServerContext* context,
                                               const LoginRequest* request,
                                               LoginResponse* response) const {
  auto call = deps_.runner->Start(context, metrics::Rpc::kLogin);
  absl::StatusOr<LoginIdentity> identity = ValidateLoginRequest(*request);
  if (!identity.ok()) {
    call->Finish(identity.status());
    return call->reactor();
  }
  // One database task looks the account up and counts the attempt, before any hash.
  deps_.runner->OnDatabase(call, [this, call, request, response, identity = *std::move(identity),
                                  address = CallerAddress(*context)]() {
    absl::StatusOr<repository::User> user = identity.kind == LoginIdentity::Kind::kEmail
                                                ? deps_.users->FindByEmail(identity.value)
                                                : deps_.users->FindByPhone(identity.value);
    if (!user.ok() && user.status().code() != absl::StatusCode::kNotFound) {
      call->Finish(user.status());
      return;
    }
    // An unknown account counts against the address only: probing for accounts is limited
    // like guessing passwords.
    const int64_t user_id = user.ok() ? user->id : 0;
    std::string retry_after;
    const absl::Status admitted = deps_.gate->AdmitLogin(user_id, address, &retry_after);
    if (!admitted.ok()) {
      deps_.audit_log->RecordEvent(AuditEventType::kLoginRefused, user_id, address,
                                   admitted.code() == absl::StatusCode::kResourceExhausted
                                       ? "abuse_limit"
                                       : "limiter_failed");
    }
    if (!PassedAdmission(*call, admitted, retry_after)) return;
    if (!user.ok()) {
      deps_.audit_log->RecordEvent(AuditEventType::kLoginFailure, 0, address, "unknown_account");
      call->Finish(absl::NotFoundError("user not found"));
      return;
    }
    VerifyPassword(call, request, response, *std::move(user), address);
  });
  return call->reactor();
}

void LoginHandler::VerifyPassword(std::shared_ptr<UnaryCall> call, const LoginRequest* request,
                                  LoginResponse* response, repository::User user,
                                  std::string address) const {
  deps_.runner->OnHashing(call, [this, call, request, response, user = std::move(user),
                                 address = std::move(address)]() {
    absl::StatusOr<bool> match = deps_.hasher->Verify(request->password_hash(), user.password_hash);
    if (!match.ok()) {
      // The stored hash is unreadable: our data is broken, not the caller's input.
      LOG(ERROR) << "stored password hash of user " << user.id
                 << " cannot be verified: " << match.status().code();
      call->Finish(absl::InternalError("stored credentials unreadable"));
      return;
    }
    if (!*match) {
      deps_.audit_log->RecordEvent(AuditEventType::kLoginFailure, user.id, address,
                                   "wrong_password");
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
    OpenSession(call, response, user.id, std::move(upgraded_hash), address);
  });
}

void LoginHandler::OpenSession(std::shared_ptr<UnaryCall> call, LoginResponse* response,
                               int64_t user_id, std::optional<std::string> upgraded_hash,
                               std::string address) const {
  absl::StatusOr<IssuedSession> issued =
      deps_.session_issuer->Issue(user_id, CallerPeer(*call->context()));
  if (!issued.ok()) {
    call->Finish(issued.status());
    return;
  }
  deps_.runner->OnDatabase(call, [this, call, response, user_id,
                                  upgraded_hash = std::move(upgraded_hash),
                                  issued = *std::move(issued), address = std::move(address)]() {
    if (upgraded_hash.has_value()) {
      // Best effort: the login itself succeeded, the upgrade is retried at the next one.
      absl::Status updated = deps_.users->UpdatePasswordHash(user_id, *upgraded_hash);
      LOG_IF(WARNING, !updated.ok())
          << "password hash upgrade for user " << user_id << " failed: " << updated.code();
    }
    // The session, its refresh token, and the success's settlement of the attempt counters
    // (the account's failures reset, the address's attempt taken back): one transaction, one
    // commit.
    const absl::Status created =
        deps_.refresh_tokens->Create(issued.grant, deps_.gate->LoginSettlement(user_id, address));
    if (!created.ok()) {
      call->Finish(created);
      return;
    }
    deps_.runner->metrics().RecordSessionsCreated(1);
    deps_.audit_log->RecordEvent(AuditEventType::kLoginSuccess, user_id, address, /*reason=*/"",
                                 issued.grant.session.jti, issued.grant.refresh_token.family_id);
    const absl::Time expires_at = issued.grant.session.expires_at;
    const SessionCookies cookies{user_id, issued.access_token, expires_at, issued.refresh_token,
                                 issued.grant.refresh_token.expires_at};
    for (const std::string& cookie : SetSessionCookies(cookies, absl::Now())) {
      call->context()->AddInitialMetadata(authn::kSetCookieHeader, cookie);
    }
    response->set_user_id(static_cast<int32_t>(user_id));
    // A browser's tokens stay in its HttpOnly cookies, out of its page scripts' reach.
    if (!IsBrowserCall(*call->context())) {
      response->set_jwt_token(issued.access_token);
      response->set_refresh_token(issued.refresh_token);
    }
    response->set_expires_at_unix_seconds(absl::ToUnixSeconds(expires_at));
    call->Finish(absl::OkStatus());
  });
}

}  // namespace auth::service
