// RotatingKeySet: a KeySetSource whose keys are replaced while the process runs (on SIGHUP in
// auth_server), without a token in flight ever meeting a verifier that does not know its key.
//
//   RotatingKeySetOptions options;
//   options.publish_delay = absl::Minutes(10);   // JWKS caches learn a new key before it signs
//   options.retired_key_lifetime = token_lifetime + leeway;
//   auto keys = std::make_shared<RotatingKeySet>(*std::move(initial), options);
//   JwtIssuer issuer(keys, issuer_options);       // both follow every reload
//   JwtVerifier verifier(keys, verifier_options);
//   ...
//   absl::Status reloaded = keys->Reload(*std::move(loaded_again));  // on SIGHUP
//
// The rules, for a reloaded set whose signing key K_new differs from the one signing now, K_old:
//   - At once: every key of the new set is accepted and published (Current(), hence JWKS);
//     K_old keeps signing.
//   - publish_delay after the reload that first brought K_new: K_new signs. K_old is still
//     accepted (and published) for retired_key_lifetime, so tokens it signed stay valid until
//     they expire, whether or not the new set lists it.
//   - A reload that brings K_new again does not restart its delay; one that brings yet another
//     key replaces K_new as the pending one (K_old still signs).
// A reload whose signing key is the one signing now takes effect at once (e.g. a verify-only
// key added or dropped). A reload is refused, and the keys in force stay, when the new set has
// no signing key or reuses a kid in force for a different key (a kid names one key forever:
// JWKS caches are keyed by it). The initial set signs at once: nothing was published before.
//
// Dropping a compromised key at once: Reload(loaded, revoked_kids) with its kid among
// `revoked_kids`. A revoked key leaves the set in that same call (so JWKS and every verifier
// refuse it), whether it signed, waited or was retired; if it signed, the new set's signing key
// signs at once, with no publish delay (consumers that meet an unknown kid fetch the JWKS
// again). A reload whose signing key is revoked is refused. The list replaces the previous
// one: a kid stays refused while it is listed.
//
// Thread-safe; Current() takes a std::mutex briefly and shares one immutable snapshot.
#ifndef LIBS_TOKEN_ROTATING_KEY_SET_H_
#define LIBS_TOKEN_ROTATING_KEY_SET_H_

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/token/key.h"
#include "libs/token/key_set.h"
#include "libs/token/key_set_source.h"

namespace auth::token {

struct RotatingKeySetOptions {
  // How long a new signing key is published before it signs; >= 0.
  absl::Duration publish_delay = absl::Minutes(10);
  // How long a replaced signing key is still accepted after it stopped signing: the token
  // lifetime plus the verifiers' leeway; >= 0.
  absl::Duration retired_key_lifetime = absl::Minutes(16);
  // The current time; tests inject a fake one. Empty means absl::Now.
  std::function<absl::Time()> clock;
};

class RotatingKeySet final : public KeySetSource {
 public:
  // `initial` must have a signing key (CHECKed); it signs at once.
  RotatingKeySet(KeySet initial, RotatingKeySetOptions options);

  // Installs `loaded` by the rules above. kInvalidArgument (keys in force unchanged) for a set
  // without a signing key or a kid that now names a different key; the message names the kid,
  // never key material.
  // Kids in `revoked_kids` are dropped at once (see above); kInvalidArgument when the loaded
  // signing key is among them.
  absl::Status Reload(KeySet loaded, absl::flat_hash_set<std::string> revoked_kids = {});

  std::shared_ptr<const KeySet> Current() const override;

  // The kid of the key waiting out its publish delay, if any (for logs and tests).
  std::optional<std::string> PendingKid() const;

 private:
  struct Retired {
    Key key;
    absl::Time accepted_until;
  };

  absl::Time Now() const;
  // Promotes a pending key whose delay has passed and forgets retired keys past their time;
  // rebuilds the snapshot if anything changed.
  void AdvanceLocked(absl::Time now) const;
  void RebuildLocked() const;

  const RotatingKeySetOptions options_;
  mutable std::mutex mu_;
  // The key signing now, the last set loaded (its signing key is pending_ while that waits),
  // and signing keys replaced less than retired_key_lifetime ago.
  mutable std::optional<Key> signer_;
  mutable KeySet loaded_;
  mutable std::optional<Key> pending_;
  mutable absl::Time pending_since_;
  mutable std::vector<Retired> retired_;
  // Kids of the last Reload's revocation list: never in the snapshot.
  absl::flat_hash_set<std::string> revoked_;
  mutable std::shared_ptr<const KeySet> snapshot_;
};

}  // namespace auth::token

#endif  // LIBS_TOKEN_ROTATING_KEY_SET_H_
