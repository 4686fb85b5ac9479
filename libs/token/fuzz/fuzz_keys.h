// The fixed keys, verifier options and clock the libs/token fuzzers share, so that seed corpora
// (tokens signed with these keys, with claims around kNowUnixSeconds) stay valid.
// Test material only: these keys are public.
#ifndef LIBS_TOKEN_FUZZ_FUZZ_KEYS_H_
#define LIBS_TOKEN_FUZZ_FUZZ_KEYS_H_

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/token/key.h"
#include "libs/token/key_set.h"

namespace auth::token::fuzz {

inline constexpr char kIssuer[] = "fuzz-issuer";
inline constexpr char kAudience[] = "fuzz-audience";
inline constexpr char kEd25519Kid[] = "ed";
inline constexpr char kHs256Kid[] = "hs";
// 2023-11-14T22:13:20Z; seed tokens are valid around it.
inline constexpr int64_t kNowUnixSeconds = 1700000000;
// RFC 8037 appendix A.1's Ed25519 seed ("d"), and a 32-byte HS256 secret.
inline constexpr char kEd25519Seed[] =
    "\x9d\x61\xb1\x9d\xef\xfd\x5a\x60\xba\x84\x4a\xf4\x92\xec\x2c\xc4"
    "\x44\x49\xc5\x69\x7b\x32\x69\x19\x70\x3b\xac\x03\x1c\xae\x7f\x60";
inline constexpr char kHs256Secret[] = "fuzz-hs256-secret-0123456789abcd";

inline absl::Time Now() { return absl::FromUnixSeconds(kNowUnixSeconds); }

// Signs with the Ed25519 key; also accepts the HS256 one.
inline const KeySet& TestKeySet() {
  static const KeySet* const keys = [] {
    absl::StatusOr<Key> ed = Key::Ed25519FromSeed(kEd25519Kid, {kEd25519Seed, 32});
    absl::StatusOr<Key> hs = Key::Hs256(kHs256Kid, {kHs256Secret, 32});
    if (!ed.ok() || !hs.ok()) std::abort();
    std::vector<Key> verify_only;
    verify_only.push_back(*std::move(hs));
    absl::StatusOr<KeySet> set = KeySet::Create(*std::move(ed), std::move(verify_only));
    if (!set.ok()) std::abort();
    return new KeySet(*std::move(set));
  }();
  return *keys;
}

}  // namespace auth::token::fuzz

#endif  // LIBS_TOKEN_FUZZ_FUZZ_KEYS_H_
