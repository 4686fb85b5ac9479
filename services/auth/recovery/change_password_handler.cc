// ChangePasswordHandler; see change_password_handler.h.
#include "services/auth/recovery/change_password_handler.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "libs/authn/credentials.h"
#include "services/auth/account/password_check.h"
#include "services/auth/account/validation.h"
#include "services/auth/recovery/session_owner.h"
#include "services/auth/rpc/caller.h"
#include "services/auth/session/access_token.h"
#include "services/auth/session/session_cookies.h"

namespace auth::service {

using audit::AuditEventType;
using auth::v1::ChangePasswordRequest;
using auth::v1::ChangePasswordResponse;

namespace {

// Register's rule for each password, with the message naming this request's field.
absl::Status ValidateChangePasswordRequest(const ChangePasswordRequest& request) {
  if (absl::Status valid = ValidatePassword(request.current_password_hash()); !valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("current_", valid.message()));
  }
  if (absl::Status valid = ValidatePassword(request.new_password_hash()); !valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("new_", valid.message()));
  }
  return absl::OkStatus();
}

}  // namespace

ChangePasswordHandler::ChangePasswordHandler(Deps deps) : deps_(std::move(deps)) {
  CHECK(deps_.users && deps_.sessions && deps_.refresh_tokens && deps_.hasher && deps_.verifier &&
        deps_.gate && deps_.runner && deps_.audit_log)
      << "ChangePasswordHandler needs every dependency";
}

grpc::ServerUnaryReactor* ChangePasswordHandler::Handle(
    grpc::CallbackServerContext* context, const ChangePasswordRequest* request,
    ChangePasswordResponse* /*response*/) const {
  auto call = deps_.runner->Start(context, metrics::Rpc::kChangePassword);
  // Bad input is refused before anything is looked up, counted or hashed.
  if (absl::Status valid = ValidateChangePasswordRequest(*request); !valid.ok()) {
    call->Finish(valid);
    return call->reactor();
  }
  absl::StatusOr<VerifiedAccessToken> verified =
      PresentedAccessToken(*context, *deps_.verifier, deps_.cookie_names);
  if (!verified.ok()) {
    // Made-up tokens cost nothing to send: not audited (GetSession samples those).
    call->Finish(verified.status());
    return call->reactor();
  }
  CheckSessionAndAdmit(call, request, *std::move(verified), CallerAddress(*context));
  return call->reactor();
}

void ChangePasswordHandler::CheckSessionAndAdmit(std::shared_ptr<UnaryCall> call,
                                                 const ChangePasswordRequest* request,
                                                 VerifiedAccessToken token,
                                                 std::string address) const {
  deps_.runner->OnDatabase(
      call, [this, call, request, token = std::move(token), address = std::move(address)]() {
        absl::StatusOr<repository::User> user = SessionOwner(*deps_.sessions, *deps_.users, token);
        if (!user.ok()) {
          call->Finish(user.status());
          return;
        }
        // A guess at the current password is a login attempt of the account from this address,
        // counted before the hash: a stolen session guesses no faster than Login allows.
        std::string retry_after;
        const absl::Status admitted = deps_.gate->AdmitLogin(user->id, address, &retry_after);
        if (!admitted.ok()) {
          deps_.audit_log->RecordEvent(AuditEventType::kPasswordChangeRefused, user->id, address,
                                       admitted.code() == absl::StatusCode::kResourceExhausted
                                           ? "abuse_limit"
                                           : "limiter_failed",
                                       token.claims.jwt_id);
        }
        if (!PassedAdmission(*call, admitted, retry_after)) return;
        VerifyAndHash(call, request, *std::move(user), token.claims.jwt_id, address);
      });
}

void ChangePasswordHandler::VerifyAndHash(std::shared_ptr<UnaryCall> call,
                                          const ChangePasswordRequest* request,
                                          repository::User user, std::string session_jti,
                                          std::string address) const {
  deps_.runner->OnHashing(
      call, [this, call, request, user = std::move(user), session_jti = std::move(session_jti),
             address = std::move(address)]() {
        const absl::Status password =
            CheckPassword(*deps_.hasher, request->current_password_hash(), user);
        if (!password.ok()) {
          // A wrong one stays counted against the account and the address, as a failed login.
          if (absl::IsUnauthenticated(password)) {
            deps_.audit_log->RecordEvent(AuditEventType::kPasswordChangeRefused, user.id, address,
                                         "wrong_password", session_jti);
          }
          call->Finish(password);
          return;
        }
        absl::StatusOr<std::string> new_hash = deps_.hasher->Hash(request->new_password_hash());
        if (!new_hash.ok()) {
          LOG(ERROR) << "cannot hash the new password of user " << user.id << ": "
                     << new_hash.status().code();
          call->Finish(absl::InternalError("cannot hash the new password"));
          return;
        }
        repository::PasswordChange change;
        change.user_id = user.id;
        change.verified_password_hash = user.password_hash;
        change.new_password_hash = *std::move(new_hash);
        if (request->keep_this_session()) change.kept_session_jti = session_jti;
        Store(call, std::move(change), session_jti, request->keep_this_session(), address);
      });
}

void ChangePasswordHandler::Store(std::shared_ptr<UnaryCall> call,
                                  repository::PasswordChange change, std::string session_jti,
                                  bool keep_this_session, std::string address) const {
  deps_.runner->OnDatabase(
      call, [this, call, change = std::move(change), session_jti = std::move(session_jti),
             keep_this_session, address = std::move(address)]() {
        // The right password settles the attempt as a successful login does.
        absl::StatusOr<int64_t> revoked = deps_.refresh_tokens->ChangePassword(
            change, deps_.gate->LoginSettlement(change.user_id, address));
        if (!revoked.ok()) {
          if (revoked.status().code() == absl::StatusCode::kFailedPrecondition ||
              revoked.status().code() == absl::StatusCode::kNotFound) {
            // Another change (or a deletion) came first: the password verified is no longer the
            // account's.
            deps_.audit_log->RecordEvent(AuditEventType::kPasswordChangeRefused, change.user_id,
                                         address, "changed_concurrently", session_jti);
            call->Finish(absl::UnauthenticatedError(kWrongPasswordMessage));
            return;
          }
          call->Finish(revoked.status());
          return;
        }
        deps_.runner->metrics().RecordSessionsRevoked(*revoked);
        deps_.audit_log->RecordEvent(AuditEventType::kPasswordChanged, change.user_id, address,
                                     keep_this_session ? "kept_this_session" : "all_sessions",
                                     session_jti);
        if (!keep_this_session) {
          // This session has ended too: a browser drops its cookies, as at Logout.
          for (const std::string& cookie : ExpiredSessionCookies(deps_.cookie_names)) {
            call->context()->AddInitialMetadata(authn::kSetCookieHeader, cookie);
          }
        }
        call->Finish(absl::OkStatus());
      });
}

}  // namespace auth::service
