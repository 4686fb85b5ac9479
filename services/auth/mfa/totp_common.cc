// The TOTP handlers' shared steps; see totp_common.h.
#include "services/auth/mfa/totp_common.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "libs/otp/recovery_codes.h"
#include "libs/otp/totp.h"
#include "services/auth/recovery/session_owner.h"
#include "services/auth/rpc/caller.h"

namespace auth::service {

void CheckTotpDeps(const TotpDeps& deps, absl::string_view handler) {
  CHECK(deps.users && deps.sessions && deps.second_factors && deps.hasher && deps.verifier &&
        deps.gate && deps.runner && deps.audit_log)
      << handler << " needs every dependency";
}

void RunSignedIn(const TotpDeps& deps, const std::shared_ptr<UnaryCall>& call,
                 std::function<void(TotpCaller)> then) {
  absl::StatusOr<VerifiedAccessToken> verified =
      PresentedAccessToken(*call->context(), *deps.verifier, deps.cookie_names);
  if (!verified.ok()) {
    // Made-up tokens cost nothing to send: not audited (GetSession samples those).
    call->Finish(verified.status());
    return;
  }
  deps.runner->OnDatabase(
      call, [&deps, call, token = *std::move(verified), address = CallerAddress(*call->context()),
             then = std::move(then)]() {
        absl::StatusOr<repository::User> user = SessionOwner(*deps.sessions, *deps.users, token);
        if (!user.ok()) {
          call->Finish(user.status());
          return;
        }
        then(TotpCaller{*std::move(user), token.claims.jwt_id, address});
      });
}

bool AdmitGuess(const TotpDeps& deps, UnaryCall& call, const TotpCaller& caller,
                audit::AuditEventType refused) {
  std::string retry_after;
  const absl::Status admitted = deps.gate->AdmitLogin(caller.user.id, caller.address, &retry_after);
  if (!admitted.ok()) {
    deps.audit_log->RecordEvent(
        refused, caller.user.id, caller.address,
        admitted.code() == absl::StatusCode::kResourceExhausted ? "abuse_limit" : "limiter_failed",
        caller.session_jti);
  }
  return PassedAdmission(call, admitted, retry_after);
}

absl::StatusOr<int64_t> CheckTotpCode(const otp::SecretSealer& sealer,
                                      const repository::TotpState& state, int64_t user_id,
                                      absl::string_view code, std::string* reason) {
  absl::StatusOr<std::string> secret = sealer.Open(state.sealed_secret, user_id);
  if (!secret.ok()) {
    // Another key, or a damaged row: our data, not the caller's input.
    LOG(ERROR) << "TOTP secret of user " << user_id << " does not open: " << secret.status().code();
    return absl::InternalError("stored second factor unreadable");
  }
  absl::StatusOr<int64_t> step =
      otp::TotpVerifier().Verify(*secret, code, absl::Now(), state.last_used_step);
  if (step.ok()) return step;
  *reason =
      step.status().code() == absl::StatusCode::kAlreadyExists ? "replayed_code" : "wrong_code";
  return absl::UnauthenticatedError(kWrongCodeMessage);
}

absl::StatusOr<NewRecoveryCodeSet> NewRecoveryCodeSetFor(int64_t user_id) {
  absl::StatusOr<std::vector<std::string>> codes = otp::NewRecoveryCodes();
  if (!codes.ok()) return codes.status();
  NewRecoveryCodeSet set;
  for (const std::string& code : *codes) {
    absl::StatusOr<std::string> normalized = otp::NormalizeRecoveryCode(code);
    if (!normalized.ok()) return absl::InternalError("a new recovery code does not read back");
    set.digests.push_back(otp::RecoveryCodeDigest(user_id, *normalized));
  }
  set.codes = *std::move(codes);
  return set;
}

}  // namespace auth::service
