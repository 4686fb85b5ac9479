// LoginHandler; see login_handler.h.
#include "services/auth/account/login_handler.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "libs/authn/credentials.h"
#include "libs/crypto/random_token.h"
#include "libs/crypto/sha256.h"
#include "services/auth/account/password_check.h"
#include "services/auth/account/validation.h"
#include "services/auth/mfa/mfa_ticket.h"
#include "services/auth/rpc/browser_call.h"
#include "services/auth/rpc/caller.h"

namespace auth::service {

using audit::AuditEventType;
using auth::v1::LoginRequest;
using auth::v1::LoginResponse;

namespace {

// RFC 8176's amr value for a password.
constexpr char kPasswordAmr[] = "pwd";

}  // namespace

LoginHandler::LoginHandler(Deps deps) : deps_(deps) {
  CHECK(deps_.users && deps_.hasher && deps_.gate && deps_.sessions && deps_.runner &&
        deps_.audit_log)
      << "LoginHandler needs every dependency";
  if (deps_.conceal_accounts) {
    // Of a random password, with the configured parameters: verifying against it costs what
    // verifying against a real account's hash does. Nobody knows the password.
    absl::StatusOr<std::string> secret = crypto::NewRandomToken();
    CHECK(secret.ok()) << "no random password for the dummy hash: " << secret.status();
    absl::StatusOr<std::string> dummy = deps_.hasher->Hash(*secret);
    CHECK(dummy.ok()) << "cannot make the dummy password hash: " << dummy.status();
    dummy_hash_ = *std::move(dummy);
  }
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
  // A device cookie is checked here (a signature check, no database): the database step only
  // compares its account with the one found.
  std::optional<Device> device;
  if (deps_.devices != nullptr && deps_.gate->TrustsDevices()) {
    device = deps_.devices->Presented(authn::ToHeaders(context->client_metadata()));
  }
  // One database task looks the account up and counts the attempt, before any hash.
  deps_.runner->OnDatabase(call, [this, call, request, response, identity = *std::move(identity),
                                  address = CallerAddress(*context), device = std::move(device)]() {
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
    // A device cookie of another account gives no trust.
    LoginAttempt attempt{user_id, address,
                         device && user_id > 0 && device->user_id == user_id ? device->nonce : "",
                         ""};
    if (deps_.conceal_accounts && user_id == 0) {
      // Counted like an account, so that the account limits do not tell either; a digest, so
      // that the key is short and the counters hold no email or phone number. Lowercase, as
      // the lookup matches emails (one counter however the prober spells it).
      attempt.concealed_account =
          crypto::Sha256Hex(absl::AsciiStrToLower(identity.value)).substr(0, 32);
    }
    std::string retry_after;
    const absl::Status admitted = deps_.gate->AdmitLogin(&attempt, &retry_after);
    if (!admitted.ok()) {
      deps_.audit_log->RecordEvent(AuditEventType::kLoginRefused, user_id, address,
                                   admitted.code() == absl::StatusCode::kResourceExhausted
                                       ? "abuse_limit"
                                       : "limiter_failed");
    }
    if (!PassedAdmission(*call, admitted, retry_after)) return;
    if (!user.ok()) {
      deps_.audit_log->RecordEvent(AuditEventType::kLoginFailure, 0, address, "unknown_account");
      if (deps_.conceal_accounts) {
        RefuseUnknownAccount(call, request);
        return;
      }
      call->Finish(absl::NotFoundError("user not found"));
      return;
    }
    VerifyPassword(call, request, response, *std::move(user), std::move(attempt));
  });
  return call->reactor();
}

void LoginHandler::RefuseUnknownAccount(std::shared_ptr<UnaryCall> call,
                                        const LoginRequest* request) const {
  deps_.runner->OnHashing(call, [this, call, request]() {
    // The verdict is known; the time it takes is what matters.
    (void)deps_.hasher->Verify(request->password_hash(), dummy_hash_);
    call->Finish(absl::UnauthenticatedError(kWrongPasswordMessage));
  });
}

void LoginHandler::VerifyPassword(std::shared_ptr<UnaryCall> call, const LoginRequest* request,
                                  LoginResponse* response, repository::User user,
                                  LoginAttempt attempt) const {
  deps_.runner->OnHashing(call, [this, call, request, response, user = std::move(user),
                                 attempt = std::move(attempt)]() {
    const absl::Status password = CheckPassword(*deps_.hasher, request->password_hash(), user);
    if (!password.ok()) {
      if (absl::IsUnauthenticated(password)) {
        deps_.audit_log->RecordEvent(AuditEventType::kLoginFailure, user.id, attempt.address,
                                     "wrong_password");
      }
      call->Finish(password);
      return;
    }
    // Only after the password: a guesser learns nothing about verification.
    if (deps_.require_verified_email && !user.email_verified) {
      deps_.audit_log->RecordEvent(AuditEventType::kLoginRefused, user.id, attempt.address,
                                   "email_not_verified");
      RefuseUnverified(call, user, attempt);
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
    if (user.totp_enabled && deps_.second_factors != nullptr) {
      IssueMfaTicket(call, response, user.id, std::move(upgraded_hash), std::move(attempt));
      return;
    }
    OpenSession(call, response, user.id, std::move(upgraded_hash), std::move(attempt));
  });
}

void LoginHandler::IssueMfaTicket(std::shared_ptr<UnaryCall> call, LoginResponse* response,
                                  int64_t user_id, std::optional<std::string> upgraded_hash,
                                  LoginAttempt attempt) const {
  deps_.runner->OnDatabase(
      call, [this, call, response, user_id, upgraded_hash = std::move(upgraded_hash),
             attempt = std::move(attempt)]() {
        if (upgraded_hash.has_value()) {
          absl::Status updated = deps_.users->UpdatePasswordHash(user_id, *upgraded_hash);
          LOG_IF(WARNING, !updated.ok())
              << "password hash upgrade for user " << user_id << " failed: " << updated.code();
        }
        absl::StatusOr<MfaTicket> ticket = NewMfaTicket();
        if (!ticket.ok()) {
          call->Finish(absl::InternalError("no random ticket"));
          return;
        }
        const absl::Status stored = deps_.second_factors->CreateMfaTicket(
            {ticket->digest, user_id, absl::Now() + kMfaTicketLifetime});
        if (!stored.ok()) {
          call->Finish(stored);
          return;
        }
        // Neither a failure nor a success: the attempt is taken back and no counter is reset, so
        // the account's failed codes stay counted (AttemptGate::PasswordStepSettlement).
        deps_.gate->Settle(deps_.gate->PasswordStepSettlement(attempt));
        deps_.audit_log->RecordEvent(AuditEventType::kSecondFactorRequired, user_id,
                                     attempt.address, "totp");
        call->context()->AddInitialMetadata(
            authn::kSetCookieHeader,
            SetMfaTicketCookie(deps_.sessions->cookie_names(), ticket->ticket));
        // Nothing else: no user id, no tokens, until the second factor checks out.
        response->set_second_factor_required(true);
        response->set_mfa_ticket(ticket->ticket);
        call->Finish(absl::OkStatus());
      });
}

void LoginHandler::RefuseUnverified(const std::shared_ptr<UnaryCall>& call,
                                    const repository::User& user,
                                    const LoginAttempt& attempt) const {
  // The password was right: after the answer, the attempt is settled as a success (an owner
  // who tries again is not throttled for it), and a fresh link goes to the account's own
  // address.
  deps_.runner->OnDatabase(call, [this, call, id = user.id, email = user.email, attempt]() {
    call->Finish(absl::FailedPreconditionError(
        "email address not verified: open the link mailed to it (a new one is on its way)"));
    deps_.gate->Settle(deps_.gate->LoginSettlement(attempt));
    if (deps_.mailer != nullptr) deps_.mailer->MailVerificationLink(id, email, attempt.address);
  });
}

void LoginHandler::OpenSession(std::shared_ptr<UnaryCall> call, LoginResponse* response,
                               int64_t user_id, std::optional<std::string> upgraded_hash,
                               LoginAttempt attempt) const {
  absl::StatusOr<IssuedSession> issued =
      deps_.sessions->Issue(user_id, CallerPeer(*call->context()), {kPasswordAmr});
  if (!issued.ok()) {
    call->Finish(issued.status());
    return;
  }
  // Every successful login gets a new device cookie, signed by the current key.
  std::optional<std::string> device_cookie =
      NewDeviceCookie(deps_.devices, deps_.gate->TrustsDevices(), user_id);
  deps_.runner->OnDatabase(call, [this, call, response, user_id,
                                  upgraded_hash = std::move(upgraded_hash),
                                  issued = *std::move(issued), attempt = std::move(attempt),
                                  device_cookie = std::move(device_cookie)]() mutable {
    if (upgraded_hash.has_value()) {
      // Best effort: the login itself succeeded, the upgrade is retried at the next one.
      absl::Status updated = deps_.users->UpdatePasswordHash(user_id, *upgraded_hash);
      LOG_IF(WARNING, !updated.ok())
          << "password hash upgrade for user " << user_id << " failed: " << updated.code();
    }
    absl::StatusOr<OpenedSession> opened =
        deps_.sessions->Store(*call->context(), std::move(issued),
                              deps_.gate->LoginSettlement(attempt), /*spend=*/{}, attempt.address);
    if (!opened.ok()) {
      call->Finish(opened.status());
      return;
    }
    if (device_cookie.has_value()) {
      call->context()->AddInitialMetadata(authn::kSetCookieHeader, *device_cookie);
    }
    FillLoginResponse(*opened, IsBrowserCall(*call->context()), response);
    call->Finish(absl::OkStatus());
  });
}

}  // namespace auth::service
