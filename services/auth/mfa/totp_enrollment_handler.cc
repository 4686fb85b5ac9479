// TotpEnrollmentHandler; see totp_enrollment_handler.h.
#include "services/auth/mfa/totp_enrollment_handler.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "libs/otp/base32.h"
#include "libs/otp/otpauth_uri.h"
#include "libs/otp/qr_svg.h"
#include "libs/otp/totp.h"
#include "services/auth/account/validation.h"

namespace auth::service {

using audit::AuditEventType;
using auth::v1::BeginTotpEnrollmentRequest;
using auth::v1::BeginTotpEnrollmentResponse;
using auth::v1::ConfirmTotpEnrollmentRequest;
using auth::v1::ConfirmTotpEnrollmentResponse;

namespace {
constexpr char kWrongPasswordMessage[] = "wrong password";
constexpr char kAlreadyOnMessage[] = "TOTP is already on for this account: disable it first";
constexpr char kNoPendingMessage[] =
    "no pending TOTP enrolment (never begun, or expired): begin again";
}  // namespace

TotpEnrollmentHandler::TotpEnrollmentHandler(TotpDeps deps) : deps_(std::move(deps)) {
  CheckTotpDeps(deps_, "TotpEnrollmentHandler");
}

grpc::ServerUnaryReactor* TotpEnrollmentHandler::Begin(
    grpc::CallbackServerContext* context, const BeginTotpEnrollmentRequest* request,
    BeginTotpEnrollmentResponse* response) const {
  auto call = deps_.runner->Start(context, metrics::Rpc::kBeginTotpEnrollment);
  if (absl::Status valid = ValidatePassword(request->password_hash()); !valid.ok()) {
    call->Finish(valid);
    return call->reactor();
  }
  if (deps_.settings.sealer == nullptr) {
    call->Finish(absl::FailedPreconditionError(kTotpNotConfiguredMessage));
    return call->reactor();
  }
  RunSignedIn(deps_, call, [this, call, request, response](TotpCaller caller) {
    // Before the guess is counted: nothing to guess for.
    if (caller.user.totp_enabled) {
      call->Finish(absl::AlreadyExistsError(kAlreadyOnMessage));
      return;
    }
    if (!AdmitGuess(deps_, *call, caller, AuditEventType::kTotpChangeRefused)) return;
    VerifyAndMakeSecret(call, request, response, std::move(caller));
  });
  return call->reactor();
}

void TotpEnrollmentHandler::VerifyAndMakeSecret(std::shared_ptr<UnaryCall> call,
                                                const BeginTotpEnrollmentRequest* request,
                                                BeginTotpEnrollmentResponse* response,
                                                TotpCaller caller) const {
  deps_.runner->OnHashing(call, [this, call, request, response, caller = std::move(caller)]() {
    absl::StatusOr<bool> match =
        deps_.hasher->Verify(request->password_hash(), caller.user.password_hash);
    if (!match.ok()) {
      LOG(ERROR) << "stored password hash of user " << caller.user.id
                 << " cannot be verified: " << match.status().code();
      call->Finish(absl::InternalError("stored credentials unreadable"));
      return;
    }
    if (!*match) {
      // Stays counted against the account, as a failed login does.
      deps_.audit_log->RecordEvent(AuditEventType::kTotpChangeRefused, caller.user.id,
                                   caller.address, "begin_wrong_password", caller.session_jti);
      call->Finish(absl::UnauthenticatedError(kWrongPasswordMessage));
      return;
    }
    absl::StatusOr<std::string> secret = otp::NewTotpSecret();
    if (!secret.ok()) {
      call->Finish(absl::InternalError("no random secret"));
      return;
    }
    absl::StatusOr<std::string> sealed = deps_.settings.sealer->Seal(*secret, caller.user.id);
    absl::StatusOr<std::string> uri = otp::BuildOtpauthUri(
        {.issuer = deps_.settings.issuer, .account = caller.user.email, .secret = *secret});
    if (!sealed.ok() || !uri.ok()) {
      LOG(ERROR) << "TOTP enrolment of user " << caller.user.id
                 << " failed: " << (sealed.ok() ? uri.status().code() : sealed.status().code());
      call->Finish(absl::InternalError("cannot make the TOTP secret"));
      return;
    }
    absl::StatusOr<std::string> qr = otp::QrSvg(*uri);
    if (!qr.ok()) {
      LOG(ERROR) << "no QR code for the TOTP enrolment of user " << caller.user.id;
      call->Finish(absl::InternalError("cannot draw the QR code"));
      return;
    }
    response->set_otpauth_uri(*uri);
    response->set_secret_base32(otp::Base32Encode(*secret));
    response->set_qr_svg(*std::move(qr));
    const absl::Time expires_at = absl::Now() + deps_.settings.enrollment_lifetime;
    response->set_expires_at_unix_seconds(absl::ToUnixSeconds(expires_at));
    deps_.runner->OnDatabase(call, [this, call, caller, sealed = *std::move(sealed), expires_at]() {
      const absl::Status stored =
          deps_.second_factors->BeginTotp(caller.user.id, sealed, expires_at);
      if (stored.code() == absl::StatusCode::kAlreadyExists) {
        // Confirmed by another call since the session was read.
        call->Finish(absl::AlreadyExistsError(kAlreadyOnMessage));
        return;
      }
      if (!stored.ok()) {
        call->Finish(stored);
        return;
      }
      // The right password of an account without a second factor: a successful login's
      // settlement, as ChangePassword's.
      deps_.gate->Settle(deps_.gate->LoginSettlement(caller.user.id, caller.address));
      deps_.audit_log->RecordEvent(AuditEventType::kTotpEnrollmentBegun, caller.user.id,
                                   caller.address, "", caller.session_jti);
      call->Finish(absl::OkStatus());
    });
  });
}

grpc::ServerUnaryReactor* TotpEnrollmentHandler::Confirm(
    grpc::CallbackServerContext* context, const ConfirmTotpEnrollmentRequest* request,
    ConfirmTotpEnrollmentResponse* response) const {
  auto call = deps_.runner->Start(context, metrics::Rpc::kConfirmTotpEnrollment);
  if (absl::Status valid = otp::CheckTotpCodeFormat(request->code()); !valid.ok()) {
    call->Finish(absl::InvalidArgumentError("code must be 6 digits"));
    return call->reactor();
  }
  if (deps_.settings.sealer == nullptr) {
    call->Finish(absl::FailedPreconditionError(kTotpNotConfiguredMessage));
    return call->reactor();
  }
  RunSignedIn(deps_, call, [this, call, request, response](TotpCaller caller) {
    const int64_t user_id = caller.user.id;
    absl::StatusOr<repository::TotpState> state = deps_.second_factors->FindTotp(user_id);
    if (!state.ok() && state.status().code() != absl::StatusCode::kNotFound) {
      call->Finish(state.status());
      return;
    }
    if (!state.ok() || state->confirmed || state->pending_expires_at <= absl::Now()) {
      call->Finish(absl::FailedPreconditionError(kNoPendingMessage));
      return;
    }
    if (!AdmitGuess(deps_, *call, caller, AuditEventType::kTotpChangeRefused)) return;
    std::string reason;
    absl::StatusOr<int64_t> step =
        CheckTotpCode(*deps_.settings.sealer, *state, user_id, request->code(), &reason);
    if (!step.ok()) {
      if (step.status().code() == absl::StatusCode::kUnauthenticated) {
        deps_.audit_log->RecordEvent(AuditEventType::kTotpChangeRefused, user_id, caller.address,
                                     absl::StrCat("confirm_", reason), caller.session_jti);
      }
      call->Finish(step.status());
      return;
    }
    absl::StatusOr<NewRecoveryCodeSet> codes = NewRecoveryCodeSetFor(user_id);
    if (!codes.ok()) {
      call->Finish(absl::InternalError("no recovery codes"));
      return;
    }
    const absl::Status confirmed =
        deps_.second_factors->ConfirmTotp({.user_id = user_id,
                                           .sealed_secret = state->sealed_secret,
                                           .step = *step,
                                           .recovery_code_hashes = codes->digests});
    if (confirmed.code() == absl::StatusCode::kNotFound) {
      // Replaced, expired or confirmed by another call in between.
      call->Finish(absl::FailedPreconditionError(kNoPendingMessage));
      return;
    }
    if (!confirmed.ok()) {
      call->Finish(confirmed);
      return;
    }
    deps_.gate->Settle(deps_.gate->LoginSettlement(user_id, caller.address));
    deps_.audit_log->RecordEvent(AuditEventType::kTotpConfirmed, user_id, caller.address, "",
                                 caller.session_jti);
    for (std::string& code : codes->codes) response->add_recovery_codes(std::move(code));
    call->Finish(absl::OkStatus());
  });
  return call->reactor();
}

}  // namespace auth::service
