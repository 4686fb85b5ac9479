// PasskeyOptions: the relying party the passkey handlers act as (--webauthn_rp_id,
// --webauthn_origins, --webauthn_ceremony_lifetime). An empty rp_id turns passkeys off: every
// passkey RPC answers FAILED_PRECONDITION.
#ifndef SERVICES_AUTH_PASSKEY_PASSKEY_OPTIONS_H_
#define SERVICES_AUTH_PASSKEY_PASSKEY_OPTIONS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace auth::service {

// The bounds of --webauthn_ceremony_lifetime: long enough for a person at a security key,
// short enough that a challenge does not linger.
inline constexpr absl::Duration kMinCeremonyLifetime = absl::Seconds(1);
inline constexpr absl::Duration kMaxCeremonyLifetime = absl::Minutes(30);

struct PasskeyOptions {
  std::string rp_id;                 // e.g. "example.com"; empty: passkeys off
  std::vector<std::string> origins;  // exact origins, e.g. "https://example.com"
  absl::Duration ceremony_lifetime = absl::Minutes(5);
  // BeginPasskeyLogin calls one client address may make per `ceremonies_window`: each stores a
  // ceremony row, and nothing else bounds an anonymous caller's (0: no limit).
  int64_t ceremonies_per_address = 100;
  absl::Duration ceremonies_window = absl::Minutes(15);

  bool enabled() const { return !rp_id.empty(); }
};

// kInvalidArgument naming the flag: origins without an RP ID or an RP ID without origins; an
// RP ID that is not a lowercase host name; a negative ceremonies_per_address; an origin that is not
// scheme://host[:port] (https, or http for localhost only) whose host is the RP ID or under it; a
// lifetime outside the bounds.
absl::Status ValidatePasskeyOptions(const PasskeyOptions& options);

}  // namespace auth::service

#endif  // SERVICES_AUTH_PASSKEY_PASSKEY_OPTIONS_H_
