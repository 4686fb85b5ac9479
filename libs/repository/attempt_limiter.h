// AttemptLimiter: counts attempts per key in fixed windows, shared by every replica, for the
// service's abuse limits (failed logins per account and per address, registrations per address).
//
//   absl::StatusOr<Admission> admission = limiter->Admit(
//       {{"login-account:42", 5, absl::Minutes(15)},
//        {"login-address:203.0.113.7", 50, absl::Minutes(15)}},
//       absl::Now());
//   if (!admission->admitted) return Refuse(admission->retry_after);
//   ... the attempt succeeded:
//   limiter->Settle({.reset_keys = {"login-account:42"},
//                    .refund_keys = {"login-address:203.0.113.7"}});
//
// Admit() counts the attempt BEFORE it is made, and refuses it once a key has used up its
// limit: the count is taken atomically in the database, so however many attempts run at once
// (on however many replicas), at most `max_attempts` per window are admitted for a key. A
// success then takes its attempt back with Settle(), so a limit effectively counts failures.
//
// A key's window starts with its first attempt and lasts `window`; when it has ended, the next
// attempt starts a new one. Refused attempts never extend a window, so a refusal always ends at
// the time `retry_after` announced; past a key's limit they need not be counted (an
// implementation may stop counting at the limit + 1, so that a refusal writes nothing).
//
// Errors: kUnavailable (database unreachable), kInternal (anything else). Callers fail closed.
#ifndef LIBS_REPOSITORY_ATTEMPT_LIMITER_H_
#define LIBS_REPOSITORY_ATTEMPT_LIMITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace auth::repository {

// One limit an attempt is counted against.
struct AttemptLimit {
  std::string key;           // "<kind>:<value>", ASCII, at most 160 bytes
  int64_t max_attempts = 0;  // admitted per window; must be positive
  absl::Duration window;     // must be positive
};

// What a success does to the counters: Settle()'s argument. A repository may write it in its own
// transaction instead (RefreshTokenRepository::Create: a login's session and its settlement
// commit once).
struct AttemptSettlement {
  std::vector<std::string> reset_keys;   // every attempt forgotten, the window ended
  std::vector<std::string> refund_keys;  // the one admitted attempt taken back

  bool empty() const { return reset_keys.empty() && refund_keys.empty(); }
};

// What Admit() decided.
struct Admission {
  bool admitted = false;
  // When refused: how long until every exhausted key's window ends (at least one second).
  absl::Duration retry_after = absl::ZeroDuration();
};

class AttemptLimiter {
 public:
  virtual ~AttemptLimiter() = default;

  // Counts one attempt against every limit in `limits` and admits it if none is exceeded.
  // kInvalidArgument for an empty list, an empty or over-long key, or a non-positive bound.
  virtual absl::StatusOr<Admission> Admit(const std::vector<AttemptLimit>& limits,
                                          absl::Time now) = 0;

  // After a success: forgets every attempt of `settlement.reset_keys` (a login resets its
  // account) and takes back the one admitted attempt of each of `settlement.refund_keys` (a
  // success does not count against its address).
  virtual absl::Status Settle(const AttemptSettlement& settlement) = 0;

  // Deletes the counters whose window ended before `now`; returns how many.
  virtual absl::StatusOr<int64_t> DeleteExpired(absl::Time now) = 0;
};

}  // namespace auth::repository

#endif  // LIBS_REPOSITORY_ATTEMPT_LIMITER_H_
