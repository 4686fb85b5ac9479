// NewRecoveryCodes, NormalizeRecoveryCode, RecoveryCodeDigest; see recovery_codes.h.
#include "libs/otp/recovery_codes.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/crypto/sha256.h"

namespace auth::otp {
namespace {

// Crockford's base32 alphabet, lowercase: 32 symbols, so 5 random bits pick one without bias.
constexpr absl::string_view kAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";
static_assert(kAlphabet.size() == 32);

// The canonical character for a typed one, or '\0' if it is not part of a code.
char CanonicalCharacter(char c) {
  if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (c == 'o') return '0';
  if (c == 'i' || c == 'l') return '1';
  return kAlphabet.find(c) != absl::string_view::npos ? c : '\0';
}

absl::StatusOr<std::string> NewRecoveryCode() {
  uint64_t random = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&random), sizeof(random)) != 1) {
    return absl::InternalError("random generator failed");
  }
  std::string code;
  for (int i = 0; i < kRecoveryCodeCharacters; ++i) {
    if (i > 0 && i % 4 == 0) code.push_back('-');
    code.push_back(kAlphabet[random & 0x1f]);
    random >>= 5;
  }
  OPENSSL_cleanse(&random, sizeof(random));
  return code;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> NewRecoveryCodes() {
  std::vector<std::string> codes;
  std::set<std::string> seen;
  // A repeat (chance 45 / 2^60) would leave the user one code short; draw again instead.
  while (codes.size() < kRecoveryCodeCount) {
    absl::StatusOr<std::string> code = NewRecoveryCode();
    if (!code.ok()) return code.status();
    if (seen.insert(*code).second) codes.push_back(*std::move(code));
  }
  return codes;
}

absl::StatusOr<std::string> NormalizeRecoveryCode(absl::string_view typed) {
  const absl::Status wrong_length =
      absl::InvalidArgumentError("a recovery code has 12 letters and digits");
  // Generous room for separators, and a bound on the work an attacker's input costs.
  if (typed.size() > 64) return wrong_length;
  std::string code;
  for (char c : typed) {
    if (c == ' ' || c == '-') continue;
    const char canonical = CanonicalCharacter(c);
    if (canonical == '\0') {
      return absl::InvalidArgumentError(
          "a recovery code has only letters and digits (spaces and dashes are ignored)");
    }
    code.push_back(canonical);
  }
  if (code.size() != kRecoveryCodeCharacters) return wrong_length;
  return code;
}

std::string RecoveryCodeDigest(int64_t user_id, absl::string_view normalized_code) {
  return crypto::Sha256Hex(
      absl::StrCat("auth recovery code v1; user ", user_id, "; ", normalized_code));
}

}  // namespace auth::otp
