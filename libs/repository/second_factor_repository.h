// SecondFactorRepository: an account's TOTP second factor (its sealed secret, pending or
// confirmed, and the last time step used), its recovery codes, and the MFA tickets between a
// Login's right password and its CompleteLogin.
//
//   repository->BeginTotp(user_id, sealer.Seal(secret, user_id), now + 10min);
//   ... the app shows a code; the handler verifies it against the pending secret:
//   repository->ConfirmTotp({.user_id = id, .sealed_secret = state.sealed_secret, .step = step,
//                            .recovery_code_hashes = digests});
//   repository->CreateMfaTicket({.ticket_hash = Sha256Hex(ticket), .user_id = id, ...});
//
// Only sealed secrets and digests (of codes and tickets) are ever passed or stored here, and no
// message of an implementation contains one. Steps that a code proves are spent by conditional
// UPDATEs (`last_used_step < step`, `used_at IS NULL`), so a code used to confirm, disable or
// regenerate cannot be used again, even by a concurrent call. Signing in spends its ticket, step
// or recovery code through RefreshTokenRepository::Create()'s CredentialSpend instead, in the
// session's transaction.
//
// Errors: kInvalidArgument (a malformed argument), kNotFound, kAlreadyExists, kAborted (as each
// method says), kUnavailable, kInternal.
#ifndef LIBS_REPOSITORY_SECOND_FACTOR_REPOSITORY_H_
#define LIBS_REPOSITORY_SECOND_FACTOR_REPOSITORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace auth::repository {

// The wrong codes that burn an MFA ticket (the last of them spends it).
inline constexpr int kMfaTicketMaxFailures = 5;

// An account's TOTP row.
struct TotpState {
  std::string sealed_secret;  // libs/otp/secret_sealer's stored form, sealed for the user
  bool confirmed = false;     // false: pending, signs nobody in
  // The end of a pending secret (InfinitePast once confirmed).
  absl::Time pending_expires_at = absl::InfinitePast();
  int64_t last_used_step = 0;  // the highest step accepted (the confirmation's included)
};

// What ConfirmTotp() stores.
struct TotpConfirmation {
  int64_t user_id = 0;
  // The pending secret the code was checked against: a newer BeginTotp() in between (another
  // tab) replaced it, and then nothing is confirmed.
  std::string sealed_secret;
  int64_t step = 0;                               // the step of the confirming code
  std::vector<std::string> recovery_code_hashes;  // libs/otp RecoveryCodeDigest()s
};

// The second factor presented to DisableTotp(): exactly one of a TOTP step or a recovery code.
struct SecondFactorProof {
  std::optional<int64_t> totp_step;
  std::string recovery_code_hash;
};

struct NewMfaTicket {
  std::string ticket_hash;  // 64 lowercase hex digits: SHA-256 of the ticket's bytes
  int64_t user_id = 0;
  absl::Time expires_at;
};

class SecondFactorRepository {
 public:
  virtual ~SecondFactorRepository() = default;

  // The user's TOTP row, pending or confirmed; kNotFound if there is none.
  virtual absl::StatusOr<TotpState> FindTotp(int64_t user_id) = 0;

  // Stores `sealed_secret` as the user's pending secret until `pending_expires_at`, replacing
  // any pending one (its last used step starts again at 0). kAlreadyExists if the user's TOTP
  // is confirmed (nothing changes).
  virtual absl::Status BeginTotp(int64_t user_id, absl::string_view sealed_secret,
                                 absl::Time pending_expires_at) = 0;

  // In one transaction: confirms the pending secret (one conditional UPDATE: still pending,
  // unexpired, the same sealed secret), with `step` as its last used step, and stores the
  // recovery codes (replacing any earlier set). kNotFound if there is no such live pending
  // secret: then nothing is changed.
  virtual absl::Status ConfirmTotp(const TotpConfirmation& confirmation) = 0;

  // In one transaction: spends `proof` (a step above the last used one of a confirmed TOTP, or
  // an unused recovery code of the user), then deletes the TOTP row and every recovery code.
  // kAborted if the proof was spent already (a replay, or a concurrent call), kNotFound if TOTP
  // is not on: then nothing is changed.
  virtual absl::Status DisableTotp(int64_t user_id, const SecondFactorProof& proof) = 0;

  // In one transaction: spends `totp_step` (as DisableTotp()), deletes the user's recovery
  // codes and stores `recovery_code_hashes`. kAborted if the step was spent already (or TOTP is
  // not confirmed): then nothing is changed.
  virtual absl::Status ReplaceRecoveryCodes(
      int64_t user_id, int64_t totp_step, const std::vector<std::string>& recovery_code_hashes) = 0;

  virtual absl::Status CreateMfaTicket(const NewMfaTicket& ticket) = 0;

  // The user of the live ticket with this digest (unspent, unexpired); kNotFound otherwise.
  virtual absl::StatusOr<int64_t> FindLiveMfaTicket(absl::string_view ticket_hash) = 0;

  // Counts a wrong code against the live ticket (one UPDATE); the kMfaTicketMaxFailures-th
  // spends it. Returns whether this failure spent it. kNotFound if the ticket is not live.
  virtual absl::StatusOr<bool> CountMfaTicketFailure(absl::string_view ticket_hash) = 0;
};

}  // namespace auth::repository

#endif  // LIBS_REPOSITORY_SECOND_FACTOR_REPOSITORY_H_
