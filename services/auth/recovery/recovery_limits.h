// RecoveryLimits: the abuse limits of mailed links, counted by the shared attempt limiter (so
// every replica enforces one bound) with keys of their own, apart from the login limits:
//   - mail requests (RequestPasswordReset, SendEmailVerification) per client address (10 an
//     hour): one address cannot mail many accounts;
//   - mails per account (3 an hour, reset and verification links together): nobody floods
//     one inbox;
//   - mails per minute for the whole service (--mail_per_minute, 60): a bound on what an
//     attacker with many addresses can make the service send, and so on its mail reputation;
//   - failed ResetPassword and VerifyEmail tokens per client address (20 a 15 minutes): tokens
//     are 256-bit, so this bounds load and log noise, not guessing.
//
//   RecoveryLimits limits(limiter, RecoveryLimitsConfig{});
//   if (!limits.AdmitMailRequest(address).ok()) return;  // past it: OK answered, nothing sent
//
// A null limiter lets everything through. Each method blocks on the database: call it from the
// database executor. A failing limiter refuses (fail closed), with its own status.
#ifndef SERVICES_AUTH_RECOVERY_RECOVERY_LIMITS_H_
#define SERVICES_AUTH_RECOVERY_RECOVERY_LIMITS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/repository/attempt_limiter.h"

namespace auth::service {

// Each bound 0 turns its limit off.
struct RecoveryLimitsConfig {
  int64_t mail_requests_per_address = 10;
  int64_t mail_per_account = 3;
  absl::Duration request_window = absl::Hours(1);
  int64_t mails_per_minute = 60;
  int64_t reset_failures_per_address = 20;
  absl::Duration failure_window = absl::Minutes(15);
};

class RecoveryLimits {
 public:
  // `limiter` is not owned (may be null) and must outlive this.
  RecoveryLimits(repository::AttemptLimiter* limiter, RecoveryLimitsConfig config)
      : limiter_(limiter), config_(config) {}

  // A RequestPasswordReset or SendEmailVerification from `address` (a ClientAddress() key),
  // before the account is looked up. kResourceExhausted past the limit.
  absl::Status AdmitMailRequest(absl::string_view address) const;

  // One more mail to `user_id`'s address: the account's and the service's limits.
  absl::Status AdmitMail(int64_t user_id) const;

  // A ResetPassword or VerifyEmail try from `address`, before its token is looked up;
  // kResourceExhausted with `*retry_after` (RetryAfterSeconds()) past the limit. A success
  // takes it back (TokenTryKey() in the success's settlement, or RefundTokenTry()).
  absl::Status AdmitTokenTry(absl::string_view address, std::string* retry_after) const;

  // The counter key of AdmitTokenTry(), for the settlement of a successful reset; empty
  // without a limiter.
  std::string TokenTryKey(absl::string_view address) const;

  // Takes back the try a success made (best effort: a failing limiter is logged).
  void RefundTokenTry(absl::string_view address) const;

 private:
  absl::Status Admit(std::vector<repository::AttemptLimit> limits, std::string* retry_after) const;

  repository::AttemptLimiter* limiter_;
  RecoveryLimitsConfig config_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_RECOVERY_RECOVERY_LIMITS_H_
