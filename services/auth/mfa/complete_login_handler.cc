// CompleteLoginHandler; see complete_login_handler.h.
#include "services/auth/mfa/complete_login_handler.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "glog/logging.h"
#include "libs/authn/credentials.h"
#include "libs/otp/recovery_codes.h"
#include "libs/otp/totp.h"
#include "services/auth/mfa/mfa_ticket.h"
#include "services/auth/rpc/browser_call.h"
#include "services/auth/rpc/caller.h"

namespace auth::service {

using audit::AuditEventType;
using auth::v1::CompleteLoginRequest;
using auth::v1::CompleteLoginResponse;

namespace {

constexpr char kDeadTicketMessage[] = "mfa ticket invalid or expired: log in again";

// RFC 8176: a password, then a one-time password (a recovery code too: RFC 8176 has no better
// word for it).
const std::vector<std::string>& SecondFactorAmr() {
  static const std::vector<std::string>* const amr = new std::vector<std::string>{"pwd", "otp"};
  return *amr;
}

// What the request presents, checked for form.
struct Presented {
  std::string ticket_digest;
  std::string totp_code;                 // either
  std::string normalized_recovery_code;  // or
};

absl::StatusOr<Presented> ReadRequest(const grpc::CallbackServerContext& context,
                                      const CompleteLoginRequest& request,
                                      const SessionCookieNames& names) {
  std::string ticket = request.mfa_ticket();
  if (ticket.empty()) {
    ticket = MfaTicketCookie(authn::ToHeaders(context.client_metadata()), names).value_or("");
  }
  if (ticket.empty()) return absl::InvalidArgumentError("mfa_ticket is required");
  if (ticket.size() > kMaxMfaTicketBytes) {
    return absl::UnauthenticatedError(kDeadTicketMessage);
  }
  if (request.totp_code().empty() == request.recovery_code().empty()) {
    return absl::InvalidArgumentError("exactly one of totp_code and recovery_code is required");
  }
  Presented presented;
  presented.ticket_digest = MfaTicketDigest(ticket);
  if (!request.totp_code().empty()) {
    if (!otp::CheckTotpCodeFormat(request.totp_code()).ok()) {
      return absl::InvalidArgumentError("totp_code must be 6 digits");
    }
    presented.totp_code = request.totp_code();
    return presented;
  }
  absl::StatusOr<std::string> normalized = otp::NormalizeRecoveryCode(request.recovery_code());
  if (!normalized.ok()) {
    return absl::InvalidArgumentError("recovery_code must be 12 letters and digits");
  }
  presented.normalized_recovery_code = *std::move(normalized);
  return presented;
}

}  // namespace

CompleteLoginHandler::CompleteLoginHandler(TotpDeps deps, const SessionOpener* sessions,
                                           const DeviceCookies* devices)
    : deps_(std::move(deps)), sessions_(sessions), devices_(devices) {
  CHECK(deps_.second_factors && deps_.gate && deps_.runner && deps_.audit_log && sessions_)
      << "CompleteLoginHandler needs every dependency";
}

grpc::ServerUnaryReactor* CompleteLoginHandler::Handle(grpc::CallbackServerContext* context,
                                                       const CompleteLoginRequest* request,
                                                       CompleteLoginResponse* response) const {
  auto call = deps_.runner->Start(context, metrics::Rpc::kCompleteLogin);
  absl::StatusOr<Presented> presented = ReadRequest(*context, *request, deps_.cookie_names);
  if (!presented.ok()) {
    call->Finish(presented.status());
    return call->reactor();
  }
  if (deps_.settings.sealer == nullptr) {
    call->Finish(absl::FailedPreconditionError(kTotpNotConfiguredMessage));
    return call->reactor();
  }
  deps_.runner->OnDatabase(call, [this, call, response, presented = *std::move(presented),
                                  address = CallerAddress(*context)]() {
    absl::StatusOr<int64_t> user_id =
        deps_.second_factors->FindLiveMfaTicket(presented.ticket_digest);
    if (!user_id.ok()) {
      call->Finish(user_id.status().code() == absl::StatusCode::kNotFound
                       ? absl::UnauthenticatedError(kDeadTicketMessage)
                       : user_id.status());
      return;
    }
    // A code is a login attempt of the account, counted before it is checked.
    std::string retry_after;
    const absl::Status admitted = deps_.gate->AdmitLogin(*user_id, address, &retry_after);
    if (!admitted.ok()) {
      deps_.audit_log->RecordEvent(AuditEventType::kLoginRefused, *user_id, address,
                                   admitted.code() == absl::StatusCode::kResourceExhausted
                                       ? "second_factor_abuse_limit"
                                       : "limiter_failed");
    }
    if (!PassedAdmission(*call, admitted, retry_after)) return;
    repository::CredentialSpend spend;
    spend.mfa_ticket_hash = presented.ticket_digest;
    const bool by_totp = !presented.totp_code.empty();
    if (by_totp) {
      absl::StatusOr<repository::TotpState> state = deps_.second_factors->FindTotp(*user_id);
      if (!state.ok() || !state->confirmed) {
        // Disabled since the password step: that ticket leads nowhere.
        call->Finish(state.ok() || state.status().code() == absl::StatusCode::kNotFound
                         ? absl::UnauthenticatedError(kDeadTicketMessage)
                         : state.status());
        return;
      }
      std::string reason;
      absl::StatusOr<int64_t> step =
          CheckTotpCode(*deps_.settings.sealer, *state, *user_id, presented.totp_code, &reason);
      if (step.status().code() == absl::StatusCode::kUnauthenticated) {
        RefuseCode(*call, presented.ticket_digest, *user_id, address, reason);
        return;
      }
      if (!step.ok()) {
        call->Finish(step.status());
        return;
      }
      spend.totp_step = *step;
    } else {
      spend.recovery_code_hash =
          otp::RecoveryCodeDigest(*user_id, presented.normalized_recovery_code);
    }
    absl::StatusOr<IssuedSession> issued =
        sessions_->Issue(*user_id, CallerPeer(*call->context()), SecondFactorAmr());
    if (!issued.ok()) {
      call->Finish(issued.status());
      return;
    }
    absl::StatusOr<OpenedSession> opened =
        sessions_->Store(*call->context(), *std::move(issued),
                         deps_.gate->LoginSettlement(*user_id, address), spend, address);
    if (opened.status().code() == absl::StatusCode::kAborted) {
      // Nothing was stored: the step was used by a concurrent call, the recovery code is not
      // one of the account's unused ones, or the ticket was spent meanwhile.
      RefuseCode(*call, presented.ticket_digest, *user_id, address,
                 by_totp ? "replayed_code" : "wrong_recovery_code");
      return;
    }
    if (!opened.ok()) {
      call->Finish(opened.status());
      return;
    }
    deps_.audit_log->RecordEvent(
        by_totp ? AuditEventType::kSecondFactorSuccess : AuditEventType::kRecoveryCodeUsed,
        *user_id, address, by_totp ? "totp" : "recovery_code");
    call->context()->AddInitialMetadata(authn::kSetCookieHeader,
                                        ExpiredMfaTicketCookie(deps_.cookie_names));
    // As at Login: this device's next password steps count against it alone, so other
    // people's wrong passwords do not refuse them.
    if (std::optional<std::string> device_cookie =
            NewDeviceCookie(devices_, deps_.gate->TrustsDevices(), *user_id)) {
      call->context()->AddInitialMetadata(authn::kSetCookieHeader, *device_cookie);
    }
    FillLoginResponse(*opened, IsBrowserCall(*call->context()), response);
    call->Finish(absl::OkStatus());
  });
  return call->reactor();
}

void CompleteLoginHandler::RefuseCode(UnaryCall& call, const std::string& ticket_digest,
                                      int64_t user_id, const std::string& address,
                                      const std::string& reason) const {
  // The attempt stays counted against the account; the ticket counts it too.
  absl::StatusOr<bool> burnt = deps_.second_factors->CountMfaTicketFailure(ticket_digest);
  LOG_IF(WARNING, !burnt.ok() && burnt.status().code() != absl::StatusCode::kNotFound)
      << "wrong code not counted on the ticket: " << burnt.status().code();
  deps_.audit_log->RecordEvent(AuditEventType::kSecondFactorFailure, user_id, address,
                               burnt.ok() && *burnt ? reason + ",ticket_burnt" : reason);
  call.Finish(absl::UnauthenticatedError(kWrongCodeMessage));
}

}  // namespace auth::service
