// TotpStep, HotpCode, CheckTotpCodeFormat, TotpVerifier; see totp.h.
#include "libs/otp/totp.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace auth::otp {
namespace {

// RFC 4226 section 5.3: HMAC-SHA1 of the big-endian counter, dynamic truncation, mod 10^6.
std::string HotpCodeUnchecked(absl::string_view secret, uint64_t counter) {
  unsigned char message[8];
  for (int i = 7; i >= 0; --i) {
    message[i] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()), message, sizeof(message), mac,
       &mac_length);
  const int offset = mac[19] & 0x0f;
  const uint32_t binary = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                          (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                          (static_cast<uint32_t>(mac[offset + 2]) << 8) |
                          static_cast<uint32_t>(mac[offset + 3]);
  OPENSSL_cleanse(mac, sizeof(mac));
  return absl::StrFormat("%06u", binary % 1000000);
}

}  // namespace

absl::StatusOr<std::string> NewTotpSecret() {
  std::string secret(kTotpSecretBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), kTotpSecretBytes) != 1) {
    return absl::InternalError("random generator failed");
  }
  return secret;
}

absl::StatusOr<int64_t> TotpStep(absl::Time time) {
  if (time < absl::UnixEpoch()) {
    return absl::InvalidArgumentError("TOTP: a time before the Unix epoch");
  }
  return absl::ToUnixSeconds(time) / kTotpPeriodSeconds;
}

absl::StatusOr<std::string> HotpCode(absl::string_view secret, int64_t step) {
  if (secret.empty()) return absl::InvalidArgumentError("TOTP: empty secret");
  if (step < 0) return absl::InvalidArgumentError("TOTP: negative step");
  return HotpCodeUnchecked(secret, static_cast<uint64_t>(step));
}

absl::Status CheckTotpCodeFormat(absl::string_view code) {
  if (code.size() != kTotpDigits) {
    return absl::InvalidArgumentError("a TOTP code has exactly 6 digits");
  }
  for (char c : code) {
    if (c < '0' || c > '9') return absl::InvalidArgumentError("a TOTP code has only digits");
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> TotpVerifier::Verify(absl::string_view secret, absl::string_view code,
                                             absl::Time now, int64_t last_used_step) const {
  if (absl::Status format = CheckTotpCodeFormat(code); !format.ok()) return format;
  if (secret.empty()) return absl::InvalidArgumentError("TOTP: empty secret");
  absl::StatusOr<int64_t> current = TotpStep(now);
  if (!current.ok()) return current.status();

  // Every step of the window is computed and compared; the verdict is taken afterwards.
  int64_t latest_match = kNoTotpStepUsed;
  for (int64_t step = *current - kTotpAcceptedSkewSteps; step <= *current + kTotpAcceptedSkewSteps;
       ++step) {
    if (step < 0) continue;
    const std::string expected = HotpCodeUnchecked(secret, static_cast<uint64_t>(step));
    const bool match = CRYPTO_memcmp(expected.data(), code.data(), kTotpDigits) == 0;
    if (match && step > latest_match) latest_match = step;
  }
  if (latest_match == kNoTotpStepUsed) {
    return absl::UnauthenticatedError("TOTP: the code does not match");
  }
  if (latest_match <= last_used_step) {
    return absl::AlreadyExistsError("TOTP: this code has been used already");
  }
  return latest_match;
}

}  // namespace auth::otp
