// TotpMaintenanceHandler; see totp_maintenance_handler.h.
#include "services/auth/mfa/totp_maintenance_handler.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "libs/otp/recovery_codes.h"
#include "libs/otp/totp.h"
#include "services/auth/account/validation.h"

namespace auth::service {

using audit::AuditEventType;
using auth::v1::DisableTotpRequest;
using auth::v1::DisableTotpResponse;
using auth::v1::RegenerateRecoveryCodesRequest;
using auth::v1::RegenerateRecoveryCodesResponse;

namespace {

constexpr char kWrongPasswordMessage[] = "wrong password";
constexpr char kNotOnMessage[] = "TOTP is not on for this account";

// The account's confirmed TOTP; FAILED_PRECONDITION if it has none (the call is finished).
absl::StatusOr<repository::TotpState> ConfirmedTotp(repository::SecondFactorRepository& repository,
                                                    int64_t user_id) {
  absl::StatusOr<repository::TotpState> state = repository.FindTotp(user_id);
  if (state.ok() && state->confirmed) return state;
  if (!state.ok() && state.status().code() != absl::StatusCode::kNotFound) return state.status();
  return absl::FailedPreconditionError(kNotOnMessage);
}

}  // namespace

TotpMaintenanceHandler::TotpMaintenanceHandler(TotpDeps deps) : deps_(std::move(deps)) {
  CheckTotpDeps(deps_, "TotpMaintenanceHandler");
}

grpc::ServerUnaryReactor* TotpMaintenanceHandler::Disable(grpc::CallbackServerContext* context,
                                                          const DisableTotpRequest* request,
                                                          DisableTotpResponse* /*response*/) const {
  auto call = deps_.runner->Start(context, metrics::Rpc::kDisableTotp);
  if (absl::Status valid = ValidatePassword(request->password_hash()); !valid.ok()) {
    call->Finish(valid);
    return call->reactor();
  }
  // A TOTP code is 6 digits; anything else must read as a recovery code.
  if (!otp::CheckTotpCodeFormat(request->code()).ok() &&
      !otp::NormalizeRecoveryCode(request->code()).ok()) {
    call->Finish(
        absl::InvalidArgumentError("code must be 6 digits or a recovery code (xxxx-xxxx-xxxx)"));
    return call->reactor();
  }
  if (deps_.settings.sealer == nullptr) {
    call->Finish(absl::FailedPreconditionError(kTotpNotConfiguredMessage));
    return call->reactor();
  }
  RunSignedIn(deps_, call, [this, call, request](TotpCaller caller) {
    absl::StatusOr<repository::TotpState> state =
        ConfirmedTotp(*deps_.second_factors, caller.user.id);
    if (!state.ok()) {
      call->Finish(state.status());
      return;
    }
    if (!AdmitGuess(deps_, *call, caller, AuditEventType::kTotpChangeRefused)) return;
    VerifyAndDisable(call, request, std::move(caller), *std::move(state));
  });
  return call->reactor();
}

void TotpMaintenanceHandler::VerifyAndDisable(std::shared_ptr<UnaryCall> call,
                                              const DisableTotpRequest* request, TotpCaller caller,
                                              repository::TotpState state) const {
  deps_.runner->OnHashing(call, [this, call, request, caller = std::move(caller),
                                 state = std::move(state)]() {
    absl::StatusOr<bool> match =
        deps_.hasher->Verify(request->password_hash(), caller.user.password_hash);
    if (!match.ok()) {
      LOG(ERROR) << "stored password hash of user " << caller.user.id
                 << " cannot be verified: " << match.status().code();
      call->Finish(absl::InternalError("stored credentials unreadable"));
      return;
    }
    if (!*match) {
      deps_.audit_log->RecordEvent(AuditEventType::kTotpChangeRefused, caller.user.id,
                                   caller.address, "disable_wrong_password", caller.session_jti);
      call->Finish(absl::UnauthenticatedError(kWrongPasswordMessage));
      return;
    }
    repository::SecondFactorProof proof;
    if (otp::CheckTotpCodeFormat(request->code()).ok()) {
      std::string reason;
      absl::StatusOr<int64_t> step =
          CheckTotpCode(*deps_.settings.sealer, state, caller.user.id, request->code(), &reason);
      if (!step.ok()) {
        if (step.status().code() == absl::StatusCode::kUnauthenticated) {
          deps_.audit_log->RecordEvent(AuditEventType::kTotpChangeRefused, caller.user.id,
                                       caller.address, absl::StrCat("disable_", reason),
                                       caller.session_jti);
        }
        call->Finish(step.status());
        return;
      }
      proof.totp_step = *step;
    } else {
      // Checked by the conditional UPDATE that spends it.
      proof.recovery_code_hash = otp::RecoveryCodeDigest(
          caller.user.id, otp::NormalizeRecoveryCode(request->code()).value_or(""));
    }
    deps_.runner->OnDatabase(call, [this, call, caller, proof = std::move(proof)]() {
      const absl::Status disabled = deps_.second_factors->DisableTotp(caller.user.id, proof);
      if (disabled.code() == absl::StatusCode::kAborted) {
        // A replayed TOTP step (a concurrent call used it), or a wrong or used recovery code.
        deps_.audit_log->RecordEvent(
            AuditEventType::kTotpChangeRefused, caller.user.id, caller.address,
            proof.totp_step ? "disable_replayed_code" : "disable_wrong_recovery_code",
            caller.session_jti);
        call->Finish(absl::UnauthenticatedError(kWrongCodeMessage));
        return;
      }
      if (disabled.code() == absl::StatusCode::kNotFound) {
        call->Finish(absl::FailedPreconditionError(kNotOnMessage));
        return;
      }
      if (!disabled.ok()) {
        call->Finish(disabled);
        return;
      }
      deps_.gate->Settle(deps_.gate->LoginSettlement(caller.user.id, caller.address));
      deps_.audit_log->RecordEvent(AuditEventType::kTotpDisabled, caller.user.id, caller.address,
                                   proof.totp_step ? "totp" : "recovery_code", caller.session_jti);
      call->Finish(absl::OkStatus());
    });
  });
}

grpc::ServerUnaryReactor* TotpMaintenanceHandler::Regenerate(
    grpc::CallbackServerContext* context, const RegenerateRecoveryCodesRequest* request,
    RegenerateRecoveryCodesResponse* response) const {
  auto call = deps_.runner->Start(context, metrics::Rpc::kRegenerateRecoveryCodes);
  if (!otp::CheckTotpCodeFormat(request->code()).ok()) {
    call->Finish(absl::InvalidArgumentError("code must be 6 digits"));
    return call->reactor();
  }
  if (deps_.settings.sealer == nullptr) {
    call->Finish(absl::FailedPreconditionError(kTotpNotConfiguredMessage));
    return call->reactor();
  }
  RunSignedIn(deps_, call, [this, call, request, response](TotpCaller caller) {
    const int64_t user_id = caller.user.id;
    absl::StatusOr<repository::TotpState> state = ConfirmedTotp(*deps_.second_factors, user_id);
    if (!state.ok()) {
      call->Finish(state.status());
      return;
    }
    if (!AdmitGuess(deps_, *call, caller, AuditEventType::kTotpChangeRefused)) return;
    std::string reason;
    absl::StatusOr<int64_t> step =
        CheckTotpCode(*deps_.settings.sealer, *state, user_id, request->code(), &reason);
    absl::StatusOr<NewRecoveryCodeSet> codes =
        step.ok() ? NewRecoveryCodeSetFor(user_id) : absl::StatusOr<NewRecoveryCodeSet>();
    absl::Status stored = step.status();
    if (step.ok()) {
      stored = codes.ok()
                   ? deps_.second_factors->ReplaceRecoveryCodes(user_id, *step, codes->digests)
                   : absl::InternalError("no recovery codes");
      if (stored.code() == absl::StatusCode::kAborted) {
        // A concurrent call used the same step first.
        reason = "replayed_code";
        stored = absl::UnauthenticatedError(kWrongCodeMessage);
      }
    }
    if (stored.code() == absl::StatusCode::kUnauthenticated) {
      deps_.audit_log->RecordEvent(AuditEventType::kTotpChangeRefused, user_id, caller.address,
                                   absl::StrCat("regenerate_", reason), caller.session_jti);
    }
    if (!stored.ok()) {
      call->Finish(stored);
      return;
    }
    deps_.gate->Settle(deps_.gate->LoginSettlement(user_id, caller.address));
    deps_.audit_log->RecordEvent(AuditEventType::kRecoveryCodesRegenerated, user_id, caller.address,
                                 "", caller.session_jti);
    for (std::string& code : codes->codes) response->add_recovery_codes(std::move(code));
    call->Finish(absl::OkStatus());
  });
  return call->reactor();
}

}  // namespace auth::service
