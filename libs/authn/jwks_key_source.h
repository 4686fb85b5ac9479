// JwksKeySource: the auth service's public token keys, fetched with GetJwks and cached.
//
//   auto stub = auth::v1::AuthService::NewStub(channel);
//   JwksKeySource keys(stub.get(), JwksKeySourceOptions{});
//   absl::StatusOr<std::shared_ptr<const auth::token::KeySet>> set = keys.KeysFor(kid);
//   // verify with JwtVerifier(**set, ...); an unknown kid is then simply refused
//
// The document is fetched on first use, again when it is older than `max_age`, and again when
// a token names a kid we do not know (the auth service rotated its key). Every fetch attempt,
// failed or not, starts a `min_refetch_interval` during which no other is made: a flood of
// tokens with random kids, which anyone can forge, costs the auth service at most one GetJwks
// per interval; the rest are a map lookup.
//
// The document is parsed strictly: only Ed25519 public keys (kty "OKP", crv "Ed25519", a
// 32-byte canonical base64url "x", a kid; "alg" EdDSA and "use" sig when present). Anything
// else (another key type, a private "d", a duplicate kid, an empty set) rejects the whole
// document and the keys we already have stay in use: a JWKS we only half understand is a
// misconfiguration to report, not something to guess about.
//
// Thread-safe. Uses std::mutex rather than absl::Mutex so ThreadSanitizer can see it (Debian's
// abseil is not instrumented).
#ifndef LIBS_AUTHN_JWKS_KEY_SOURCE_H_
#define LIBS_AUTHN_JWKS_KEY_SOURCE_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "libs/token/jwt.h"
#include "libs/token/key_set.h"

namespace auth::authn {

struct JwksKeySourceOptions {
  // No fetch starts sooner than this after the previous attempt.
  absl::Duration min_refetch_interval = absl::Seconds(30);
  // Keys older than this are refetched on next use (so keys the auth service dropped stop
  // being accepted); until a refetch succeeds the old keys stay in use.
  absl::Duration max_age = absl::Minutes(10);
  // Deadline of one GetJwks call.
  absl::Duration fetch_timeout = absl::Seconds(2);
  // The current time; tests inject a fake one. Empty means absl::Now.
  auth::token::Clock clock;
};

// Larger JWKS documents are refused unparsed; ours holds a handful of 150-byte keys.
inline constexpr std::size_t kMaxJwksBytes = 64 * 1024;

// Parses a JWKS document into a verify-only KeySet (see the rules above). kInvalidArgument
// naming the problem (never key material) for anything else.
absl::StatusOr<auth::token::KeySet> ParseJwks(absl::string_view jwks_json);

class JwksKeySource {
 public:
  // `stub` must outlive this object.
  JwksKeySource(auth::v1::AuthService::StubInterface* stub, JwksKeySourceOptions options);

  JwksKeySource(const JwksKeySource&) = delete;
  JwksKeySource& operator=(const JwksKeySource&) = delete;

  // The current keys, fetching first if there are none yet, they are older than max_age, or
  // none of them is named `kid` (each subject to the refetch interval). The result may still
  // lack `kid`. kUnavailable only when no keys were ever fetched.
  absl::StatusOr<std::shared_ptr<const auth::token::KeySet>> KeysFor(absl::string_view kid);

  // Fetches now, ignoring the refetch interval (e.g. at start-up, to fail fast). On success
  // the new keys replace the old ones.
  absl::Status Refresh();

 private:
  absl::Time Now() const;
  // Whether `keys` can serve a token naming `kid` without a fetch.
  bool Fresh(const std::shared_ptr<const auth::token::KeySet>& keys, absl::string_view kid,
             absl::Time now) const;
  // One GetJwks call; installs the result on success. Caller holds fetch_mu_, not mu_.
  absl::Status FetchAndInstall();

  auth::v1::AuthService::StubInterface* const stub_;
  const JwksKeySourceOptions options_;

  // Serialises fetches, so that a burst of tokens with a new kid causes one call, not many.
  // Lock order: fetch_mu_ before mu_.
  std::mutex fetch_mu_;
  mutable std::mutex mu_;
  std::shared_ptr<const auth::token::KeySet> keys_;  // guarded by mu_; null until a fetch works
  absl::Time fetched_at_ = absl::InfinitePast();     // guarded by mu_
  std::optional<absl::Time> last_attempt_;           // guarded by mu_
};

}  // namespace auth::authn

#endif  // LIBS_AUTHN_JWKS_KEY_SOURCE_H_
