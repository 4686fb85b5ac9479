// The load generator's second-factor scenarios (issue 23): what a sign-in costs after the
// password, measured on its own.
//
//   complete_login  CompleteLogin with a TOTP code. Prepare() registers `users` users, enrols
//                   each in TOTP (Login, BeginTotpEnrollment, ConfirmTotpEnrollment with the
//                   current step's code, computed here with libs/otp) and logs each in again for
//                   an mfa ticket. A step works once per account, so each measured call spends
//                   one user's ticket with a code of the first step above the confirmation's
//                   that the server accepts (computed as the call starts), and the run stops
//                   when the tickets are used up (ran_dry), as logout's does.
//   passkey_login   FinishPasskeyLogin. Prepare() registers `users` users, registers a passkey
//                   for each from a P-256 software authenticator (BeginPasskeyRegistration,
//                   FinishPasskeyRegistration), and begins one sign-in ceremony per user (by
//                   email), whose assertion it signs beforehand (signature counter 0, as a synced
//                   passkey's). Each measured call finishes one ceremony; ran_dry after the last.
//
// Both want a server with cheap Argon2 parameters (the preparation logs every user in twice)
// and, for passkey_login, --webauthn_rp_id and --webauthn_origins matching `rp_id` and
// `origin` below (run_benchmarks.sh passes both sides).
#ifndef TOOLS_LOADGEN_SECOND_FACTOR_SCENARIOS_H_
#define TOOLS_LOADGEN_SECOND_FACTOR_SCENARIOS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tools/loadgen/connections.h"
#include "tools/loadgen/scenarios.h"

namespace auth::loadgen {

struct SecondFactorOptions {
  std::string rp_id = "localhost";
  std::string origin = "http://localhost:8080";
};

// nullptr-free: kInvalidArgument for a name that is not "complete_login" or "passkey_login".
absl::StatusOr<std::unique_ptr<Scenario>> MakeSecondFactorScenario(
    const ScenarioOptions& options, const SecondFactorOptions& second_factor,
    Connections& connections);

}  // namespace auth::loadgen

#endif  // TOOLS_LOADGEN_SECOND_FACTOR_SCENARIOS_H_
