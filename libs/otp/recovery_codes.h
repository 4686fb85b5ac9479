// Recovery codes: the way in when the authenticator is lost. Ten codes, each usable once, shown
// to the user once and stored only as digests.
//
//   absl::StatusOr<std::vector<std::string>> codes = NewRecoveryCodes();  // "7kq2-mzx9-..."
//   row.digest = RecoveryCodeDigest(user_id, *NormalizeRecoveryCode(code));
//   absl::StatusOr<std::string> typed = NormalizeRecoveryCode(" 7KQ2 MZX9-0H4R ");
//
// A code is 12 characters of Crockford's base32 alphabet (0-9 and a-z without i, l, o, u):
// 60 bits from the CSPRNG, shown lowercase in three groups of four. Reading back forgives what
// people do when they copy a code from paper: any case, dashes and spaces anywhere, and the
// letters o, i and l for the digits 0, 1 and 1 they look like.
//
// Why SHA-256 and not a slow hash like the passwords' Argon2id: a slow hash buys time against
// guessing a human-chosen secret offline; these are 60 random bits. Even with the table in hand,
// finding one of an account's 10 codes takes 2^60 / 10 ~ 1.2e17 hashes: months of a GPU doing
// 1e10 SHA-256 a second, per account (the digest is salted with the user id, so no guess is
// tried against two accounts at once), and what it yields is a second factor, useless without
// the password, which that same table protects with Argon2id. Online, guesses are limited by the
// attempt limiter long before. A slow hash would instead make every recovery-code sign-in cost
// the server 10 Argon2id computations (codes cannot be looked up by a salted slow hash).
#ifndef LIBS_OTP_RECOVERY_CODES_H_
#define LIBS_OTP_RECOVERY_CODES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::otp {

inline constexpr int kRecoveryCodeCount = 10;
inline constexpr int kRecoveryCodeCharacters = 12;  // 5 bits each: 60 bits
inline constexpr int kRecoveryCodeBits = 5 * kRecoveryCodeCharacters;

// kRecoveryCodeCount distinct new codes, formatted for display ("xxxx-xxxx-xxxx");
// kInternal if the CSPRNG fails.
absl::StatusOr<std::vector<std::string>> NewRecoveryCodes();

// The canonical form of a code as typed: the 12 characters, lowercase, no separators, with o
// read as 0 and i, l as 1. kInvalidArgument (never echoing the input) for any other character,
// or a count other than 12 once spaces and dashes are removed.
absl::StatusOr<std::string> NormalizeRecoveryCode(absl::string_view typed);

// What is stored for a normalised code of the user `user_id`: SHA-256, as 64 lowercase hex
// digits, of the code bound to its owner and purpose. Compare digests, never codes.
std::string RecoveryCodeDigest(int64_t user_id, absl::string_view normalized_code);

}  // namespace auth::otp

#endif  // LIBS_OTP_RECOVERY_CODES_H_
