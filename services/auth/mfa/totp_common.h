// What the TOTP handlers (enrolment, maintenance, CompleteLogin) share: their dependencies, the
// signed-in prologue of CredentialService's RPCs, the code check against a sealed secret, and
// new recovery codes with their digests.
#ifndef SERVICES_AUTH_MFA_TOTP_COMMON_H_
#define SERVICES_AUTH_MFA_TOTP_COMMON_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/audit/audit_log.h"
#include "libs/hashing/password_hasher.h"
#include "libs/otp/secret_sealer.h"
#include "libs/repository/second_factor_repository.h"
#include "libs/repository/session_repository.h"
#include "libs/repository/user_repository.h"
#include "libs/token/token.h"
#include "services/auth/abuse/attempt_gate.h"
#include "services/auth/rpc/call_runner.h"
#include "services/auth/rpc/unary_call.h"
#include "services/auth/session/session_cookies.h"

namespace auth::service {

inline constexpr char kWrongCodeMessage[] = "wrong code";
inline constexpr char kTotpNotConfiguredMessage[] =
    "TOTP is not configured on this server (--totp_secret_key_file)";

// The TOTP settings of the server.
struct TotpSettings {
  // Seals and opens the secrets (--totp_secret_key_file); null: TOTP is not configured and its
  // RPCs answer FAILED_PRECONDITION.
  const otp::SecretSealer* sealer = nullptr;
  std::string issuer = "auth";  // --totp_issuer: the otpauth URI's issuer
  // How long a pending secret waits for its confirming code.
  absl::Duration enrollment_lifetime = absl::Minutes(10);
};

// The handlers' dependencies. Nothing is owned; everything must outlive the handlers.
struct TotpDeps {
  repository::UserRepository* users = nullptr;
  repository::SessionRepository* sessions = nullptr;
  repository::SecondFactorRepository* second_factors = nullptr;
  hashing::PasswordHasher* hasher = nullptr;
  const token::PrehashedTokenVerifier* verifier = nullptr;
  const AttemptGate* gate = nullptr;
  const CallRunner* runner = nullptr;
  audit::AuditLog* audit_log = nullptr;
  SessionCookieNames cookie_names;  // --cookie_prefix
  TotpSettings settings;
};

// CHECK-fails unless every dependency but the sealer is set.
void CheckTotpDeps(const TotpDeps& deps, absl::string_view handler);

// Who is calling, once signed in.
struct TotpCaller {
  repository::User user;
  std::string session_jti;
  std::string address;  // ClientAddress(): the abuse limits' key
};

// The signed-in prologue of a CredentialService RPC: verifies the presented access token here
// (gRPC thread; UNAUTHENTICATED if none or bad), then on the database executor checks its
// session is open and runs `then` there with the caller. Any failure finishes the call.
void RunSignedIn(const TotpDeps& deps, const std::shared_ptr<UnaryCall>& call,
                 std::function<void(TotpCaller)> then);

// Counts a guess (password or code) as a login attempt of the caller's account, before it is
// checked; false (the call finished, the refusal audited as `refused`) if a limit refuses it.
// Database executor.
bool AdmitGuess(const TotpDeps& deps, UnaryCall& call, const TotpCaller& caller,
                audit::AuditEventType refused);

// The step of `code` for `user_id`'s `state` (its sealed secret opened with `sealer`) now:
// kUnauthenticated "wrong code" for a wrong or replayed code (`*reason` says which, for the
// audit log), kInternal if the secret does not open.
absl::StatusOr<int64_t> CheckTotpCode(const otp::SecretSealer& sealer,
                                      const repository::TotpState& state, int64_t user_id,
                                      absl::string_view code, std::string* reason);

// A new set of recovery codes (to show) and their digests for `user_id` (to store).
struct NewRecoveryCodeSet {
  std::vector<std::string> codes;
  std::vector<std::string> digests;
};
absl::StatusOr<NewRecoveryCodeSet> NewRecoveryCodeSetFor(int64_t user_id);

}  // namespace auth::service

#endif  // SERVICES_AUTH_MFA_TOTP_COMMON_H_
