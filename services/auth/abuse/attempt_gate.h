// AttemptGate: the auth service's abuse limits, one object over repository::AttemptLimiter.
// It knows who an attempt is counted against (the account, the client address), counts it
// before the expensive work, and settles a successful login. The counting itself is the
// limiter's, in the shared database, so every replica enforces the same limits.
//
//   AttemptGate gate(&limiter, config);            // a null limiter lets everything through
//   std::string retry_after;
//   LoginAttempt attempt{/*user_id=*/42, CallerAddress(*context), device_nonce};
//   absl::Status admitted = gate.AdmitLogin(&attempt, &retry_after);
//   if (!admitted.ok()) ...  // RESOURCE_EXHAUSTED: send retry_after as rpc::kRetryAfterKey
//   ... the password matched: the session is stored with the login's settlement, in one
//   transaction (RefreshTokenRepository::Create):
//   refresh_tokens->Create(grant, gate.LoginSettlement(attempt));
//
// A login from a trusted device (it presents a valid device cookie of that account,
// abuse/device_cookie.h) counts against its device and its address only, so failures made
// elsewhere never refuse it; every other login counts against (account, address), the
// account's untrusted failures and the address. Once a device has used up its own limit it is
// trusted no more in that window: its attempts count as untrusted ones.
//
// Addresses are rpc/caller.h's ClientAddress() keys; why the limits are what they are is in
// ARCHITECTURE.md ("Abuse limits").
#ifndef SERVICES_AUTH_ABUSE_ATTEMPT_GATE_H_
#define SERVICES_AUTH_ABUSE_ATTEMPT_GATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/audit/audit_log.h"
#include "libs/repository/attempt_limiter.h"
#include "services/auth/abuse/refusal_memory.h"

namespace auth::service {

// The limits; a zero maximum turns that limit off.
struct AbuseLimitsConfig {
  // Failed logins per account from untrusted clients (no valid device cookie of the account),
  // per (account, client address) from untrusted clients, per trusted device (0: device
  // cookies give no trust, every login is untrusted), and per client address (which also counts
  // logins of unknown accounts, so that probing for accounts is limited too), within
  // `login_window`.
  int64_t login_failures_per_account = 5;
  int64_t login_failures_per_account_address = 5;
  int64_t login_failures_per_device = 5;
  int64_t login_failures_per_address = 50;
  absl::Duration login_window = absl::Minutes(15);
  // Registration attempts per client address within `register_window`.
  int64_t registrations_per_address = 20;
  absl::Duration register_window = absl::Hours(1);
  // Failed refreshes (unknown, expired or revoked refresh tokens) per client address within
  // `login_window`. Once the shared counter refuses an address, each replica remembers the
  // refusal until it ends and refuses that address's RefreshToken calls without the database.
  int64_t refresh_failures_per_address = 100;
};

// Who a login attempt is counted against.
struct LoginAttempt {
  int64_t user_id = 0;  // 0: an unknown account
  std::string address;  // a ClientAddress() key
  // The nonce of the valid device cookie of `user_id` the client presented; empty: none
  // (untrusted). AdmitLogin() empties it when the device is trusted no more.
  std::string device;
  // For an unknown account (`user_id` 0) under --conceal_accounts: a name for it (a digest of
  // the email or phone asked for), counted like an account, so that the account limits do not
  // tell which accounts exist either. Empty: an unknown account counts against the address only.
  std::string concealed_account;
};

// kInvalidArgument naming the flag if a maximum is negative or a window not positive.
absl::Status ValidateAbuseLimits(const AbuseLimitsConfig& config);

// `retry_after` as the whole seconds (rounded up, at least 1) sent as the retry-after trailer.
std::string RetryAfterSeconds(absl::Duration retry_after);

// One limiter call against `limits` (not empty): OK if admitted; kResourceExhausted with
// `*retry_after` (RetryAfterSeconds()) if a limit is used up; the limiter's own error otherwise
// (callers fail closed). The gate's limits and recovery's share it. Blocks on the database.
absl::Status AdmitAttempt(repository::AttemptLimiter& limiter,
                          const std::vector<repository::AttemptLimit>& limits,
                          std::string* retry_after);

// The gate itself. Thread-safe (the limiter's counters are in the database; the refusal memory
// of RefreshToken's address limit is this replica's own and locks itself).
class AttemptGate {
 public:
  // `limiter` is not owned and must outlive the gate; null turns every limit off. Each refusal
  // is recorded in `audit_log` (limit_hit), if not null; it must outlive the gate too.
  AttemptGate(repository::AttemptLimiter* limiter, AbuseLimitsConfig config,
              audit::AuditLog* audit_log = nullptr);

  // Whether a registration must be counted (a database step) before its hash is computed.
  bool CountsRegistrations() const;

  // Counts a registration attempt from `address` (a ClientAddress() key). OK: go on.
  // kResourceExhausted: refused, with `*retry_after` set to RetryAfterSeconds(). Any other
  // error: the limiter failed and the attempt is refused (fail closed: without the counters the
  // limits cannot be enforced). Blocks on the database: call it from the database executor.
  absl::Status AdmitRegistration(absl::string_view address, std::string* retry_after) const;

  // Whether a login's device cookie can make it trusted (login_failures_per_device > 0): if
  // not, the service neither reads nor issues device cookies.
  bool TrustsDevices() const;

  // Counts a login attempt, before its hash, in one limiter call. From a trusted device
  // (`attempt->device` set): against the device and the address; if that refuses it (the device
  // or the address used up), the device is trusted no more (`attempt->device` emptied) and the
  // attempt is counted as an untrusted one, a second call. Untrusted: against (account,
  // address), the account's untrusted failures (when `user_id` > 0, i.e. it exists; an unknown
  // account counts against the address only, so probing for accounts is limited like guessing
  // passwords) and the address. Answers like AdmitRegistration().
  absl::Status AdmitLogin(LoginAttempt* attempt, std::string* retry_after) const;
  // An untrusted attempt.
  absl::Status AdmitLogin(int64_t user_id, absl::string_view address,
                          std::string* retry_after) const;

  // What a successful login, as AdmitLogin() left `attempt`, does to the counters: a trusted
  // one resets its device's failures, an untrusted one its account's and its (account,
  // address)'s; either takes its attempt back from the address. A trusted success leaves the
  // account's untrusted failures alone, so the owner's logins do not reopen the account to a
  // guesser. Empty when those limits are off (or there is no limiter). The caller writes it
  // with the session (RefreshTokenRepository::Create), so a login's writes after the hash
  // commit once; a login whose session is not stored stays counted.
  repository::AttemptSettlement LoginSettlement(const LoginAttempt& attempt) const;
  // An untrusted attempt's.
  repository::AttemptSettlement LoginSettlement(int64_t user_id, absl::string_view address) const;

  // What the right password of an account with a second factor does to the counters: the
  // attempt is taken back from every counter it was counted against, and nothing is reset. So
  // the password step neither counts as a failure nor forgives one: the wrong codes counted
  // since (CompleteLogin counts each code as a login attempt of the account) stay counted until
  // a whole sign-in succeeds, and a password holder who mints ticket after ticket still guesses
  // codes no faster than --login_failures_per_account allows.
  repository::AttemptSettlement PasswordStepSettlement(const LoginAttempt& attempt) const;

  // Whether a RefreshToken call from `address` may go on: kResourceExhausted, with
  // `*retry_after`, while this replica remembers the address refused. Never blocks and never
  // touches the database: call it on the gRPC thread, before any database work.
  absl::Status CheckRefresh(absl::string_view address, std::string* retry_after) const;

  // After a RefreshToken call from `address` failed (the token was unknown, expired or
  // revoked): counts the failure against the address; if that exhausts the limit, the refusal
  // is remembered (and audited). Best effort: a failing limiter is logged. Blocks on the
  // database: call it from the database executor.
  void CountRefreshFailure(absl::string_view address) const;

  // Writes `settlement` on its own, for a success that stores nothing else (a login refused
  // after its password checked out). Best effort: a failing limiter is logged. Blocks on the
  // database: call it from the database executor.
  void Settle(const repository::AttemptSettlement& settlement) const;

 private:
  absl::Status Admit(const std::vector<repository::AttemptLimit>& limits,
                     std::string* retry_after) const;
  // Records a refusal by a limit (`admitted` is RESOURCE_EXHAUSTED) of an attempt to `action`
  // in the audit log; returns `admitted`.
  absl::Status AuditRefusal(absl::Status admitted, absl::string_view action, int64_t user_id,
                            absl::string_view address) const;

  repository::AttemptLimiter* limiter_;
  AbuseLimitsConfig config_;
  audit::AuditLog* audit_log_;
  mutable RefusalMemory refused_refreshes_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_ABUSE_ATTEMPT_GATE_H_
