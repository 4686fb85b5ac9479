// TOTP (RFC 6238) over HOTP (RFC 4226) with the parameters every authenticator app supports:
// HMAC-SHA1, 6 digits, 30-second steps from the Unix epoch.
//
//   TotpVerifier verifier;
//   absl::StatusOr<int64_t> step = verifier.Verify(secret, code, absl::Now(), row.last_step);
//   if (!step.ok()) ...                 // kInvalidArgument, kUnauthenticated or kAlreadyExists
//   // then, in the transaction that lets the user in:
//   //   UPDATE ... SET last_step = :step WHERE user_id = :id AND last_step < :step
//   // and refuse if no row changed (a concurrent request used the same code first).
//
// Why OpenSSL's HMAC and not Debian's liboath (liboath-dev): HOTP is one HMAC and a truncation
// (20 lines here), while liboath brings its own SHA-1 (gnulib; it would not follow
// --config=boringssl), a global oath_init, a non-standard include directory, and validators that
// compare codes with strcmp (not constant time) and know nothing of replay, the two properties
// this verifier exists for. OpenSSL is linked already. Measured on this machine (Debian 12,
// -O2, one core): a Verify (3 HMACs through OpenSSL 3's one-shot HMAC) takes about 4.5 us,
// liboath's oath_totp_validate over the same window about 1.4 us; both are noise beside the
// Argon2id password check (tens of ms) of the same sign-in, so speed decides nothing. liboath's
// command-line tool, oathtool, stays useful as the independent check of the codes in the tests.
#ifndef LIBS_OTP_TOTP_H_
#define LIBS_OTP_TOTP_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace auth::otp {

inline constexpr int kTotpDigits = 6;
inline constexpr int64_t kTotpPeriodSeconds = 30;
// How many steps either side of now a code may come from: one covers a clock 30 s off and a
// code typed as it changed, as RFC 6238 section 5.2 recommends; two would double the guesses.
inline constexpr int64_t kTotpAcceptedSkewSteps = 1;
// The last used step of an account that has not used a code yet (steps start at 0).
inline constexpr int64_t kNoTotpStepUsed = -1;

// Bytes in a new secret: 160 bits, the HMAC-SHA1 output size RFC 4226 section 4 recommends
// (32 base32 characters, which every app accepts).
inline constexpr int kTotpSecretBytes = 20;

// A new secret from the CSPRNG (RAND_bytes); kInternal if the generator fails.
absl::StatusOr<std::string> NewTotpSecret();

// The step (RFC 6238's T) `time` falls in; kInvalidArgument before the Unix epoch.
absl::StatusOr<int64_t> TotpStep(absl::Time time);

// The 6-digit HOTP code of `secret` at counter `step` (zero-padded), as an authenticator shows
// it. kInvalidArgument for an empty secret or a negative step.
absl::StatusOr<std::string> HotpCode(absl::string_view secret, int64_t step);

// Checks that `code` is exactly 6 ASCII digits (what Verify accepts); kInvalidArgument
// otherwise, without echoing it. Callers that let people type spaces remove them first.
absl::Status CheckTotpCodeFormat(absl::string_view code);

// Verifies codes of one secret against a time; stateless: the caller keeps the last used step.
class TotpVerifier {
 public:
  // The step whose code `code` is, among now-1, now and now+1, that is later than
  // `last_used_step` (the latest one if several match); the caller stores it as the new last
  // used step, so the same code, or an older one, never works twice.
  //   kInvalidArgument: `code` is not 6 digits, or `secret` is empty, or `now` before 1970;
  //   kAlreadyExists: the code matches only steps at or below `last_used_step` (a replay);
  //   kUnauthenticated: it matches no step in the window.
  // All three codes are computed and compared in constant time (CRYPTO_memcmp) whatever
  // matches, so the time taken says nothing about which step, if any, matched.
  absl::StatusOr<int64_t> Verify(absl::string_view secret, absl::string_view code, absl::Time now,
                                 int64_t last_used_step) const;
};

}  // namespace auth::otp

#endif  // LIBS_OTP_TOTP_H_
