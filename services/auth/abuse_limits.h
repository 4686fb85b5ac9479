// Abuse limits of the auth service: who an attempt is counted against, and how
// a refusal is answered. The counting itself is repository::AttemptLimiter's,
// in the shared database, so every replica enforces the same limits.
//
//   const std::string address = ClientAddress(context->peer());   //
//   "203.0.113.7" std::vector<repository::AttemptLimit> limits =
//       LoginLimits(config, /*user_id=*/42, address);              // account +
//       address
//
// Addresses: the gRPC peer with its port stripped. An IPv4-mapped IPv6 address
// counts as its IPv4 address, and an IPv6 address as its /64 prefix (one
// customer typically holds a whole /64, so per-address limits on single IPv6
// addresses would be trivially bypassed). Every local (unix socket) client
// shares the key "unix".
#ifndef SERVICES_AUTH_ABUSE_LIMITS_H_
#define SERVICES_AUTH_ABUSE_LIMITS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/repository/attempt_limiter.h"

namespace auth::service {

// The trailing metadata key of a refused attempt: whole seconds until it may be
// retried.
inline constexpr char kRetryAfterKey[] = "retry-after";

// The limits; a zero maximum turns that limit off.
struct AbuseLimitsConfig {
  // Failed logins per account, and per client address (which also counts logins
  // of unknown accounts, so that probing for accounts is limited too), within
  // `login_window`.
  int64_t login_failures_per_account = 5;
  int64_t login_failures_per_address = 50;
  absl::Duration login_window = absl::Minutes(15);
  // Registration attempts per client address within `register_window`.
  int64_t registrations_per_address = 20;
  absl::Duration register_window = absl::Hours(1);
};

// kInvalidArgument naming the flag if a maximum is negative or a window not
// positive.
absl::Status ValidateAbuseLimits(const AbuseLimitsConfig &config);

// The client's address from a gRPC peer string ("ipv4:1.2.3.4:5",
// "ipv6:[::1]:5", "unix:/path"), normalised as described above. Anything
// unparsable is returned whole (as long as a key may be), so that it still
// limits itself.
std::string ClientAddress(absl::string_view peer);

// The limits a login attempt counts against: the account (when `user_id` > 0,
// i.e. it exists) and the client address. Empty when both are off.
std::vector<repository::AttemptLimit> LoginLimits(const AbuseLimitsConfig &config, int64_t user_id,
                                                  absl::string_view address);
// The keys a successful login settles: its account is reset, its address
// refunded.
std::vector<std::string> LoginResetKeys(const AbuseLimitsConfig &config, int64_t user_id);
std::vector<std::string> LoginRefundKeys(const AbuseLimitsConfig &config,
                                         absl::string_view address);

// The limit a registration attempt counts against; empty when off.
std::vector<repository::AttemptLimit> RegisterLimits(const AbuseLimitsConfig &config,
                                                     absl::string_view address);

// `retry_after` as the whole seconds (rounded up, at least 1) sent in
// kRetryAfterKey.
std::string RetryAfterSeconds(absl::Duration retry_after);

}  // namespace auth::service

#endif  // SERVICES_AUTH_ABUSE_LIMITS_H_
