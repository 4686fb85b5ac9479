// Sealing TOTP secrets at rest: AES-256-GCM (OpenSSL EVP) under a key the database never holds,
// with the user id as associated data, so whoever reads the table (a backup, a replica, an SQL
// injection) learns nothing, and a sealed secret copied into another user's row does not open.
//
//   absl::StatusOr<SealingKey> key = LoadSealingKey(flags.totp_secret_key_file);
//   SecretSealer sealer(*std::move(key));
//   absl::StatusOr<std::string> sealed = sealer.Seal(secret, user_id);   // "v1:..." for the row
//   absl::StatusOr<std::string> secret = sealer.Open(row.sealed, user_id);
//
// The stored form describes itself: "v1:" + base64url(nonce[12] | ciphertext | tag[16]), the
// version naming the algorithm and layout, so a later scheme (or a key id, for rotation) can be
// read beside this one. A fresh random 96-bit nonce per Seal: under one key, 2^32 seals keep the
// chance of a nonce collision below 2^-32 (NIST SP 800-38D section 8.3); an account seals once
// per enrolment.
#ifndef LIBS_OTP_SECRET_SEALER_H_
#define LIBS_OTP_SECRET_SEALER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::otp {

// An AES-256 key; wiped from memory when destroyed.
class SealingKey {
 public:
  static constexpr size_t kBytes = 32;

  // kInvalidArgument unless `bytes` has exactly kBytes bytes (the message gives only sizes).
  static absl::StatusOr<SealingKey> FromBytes(absl::string_view bytes);

  SealingKey(const SealingKey& other) = default;
  SealingKey& operator=(const SealingKey& other) = default;
  ~SealingKey();

  const unsigned char* data() const { return bytes_.data(); }

 private:
  SealingKey() = default;
  std::array<unsigned char, kBytes> bytes_{};
};

// The key in the file at `path`: exactly 32 raw bytes (e.g. `head -c 32 /dev/urandom`), a
// regular file that neither group nor others may read or write (mode 0600 or 0400; a key that
// others can read is no longer a secret, so it is refused rather than used).
//   kNotFound / kPermissionDenied / kInternal: the file cannot be opened or read;
//   kFailedPrecondition: not a regular file, or group/other permission bits set;
//   kInvalidArgument: not exactly 32 bytes.
// Messages name the path and the sizes, never a byte of the key.
absl::StatusOr<SealingKey> LoadSealingKey(const std::string& path);

class SecretSealer {
 public:
  explicit SecretSealer(SealingKey key) : key_(std::move(key)) {}

  // `secret` encrypted for the user `user_id`, in the stored form ("v1:..."). kInternal only if
  // the CSPRNG or the cipher fails.
  absl::StatusOr<std::string> Seal(absl::string_view secret, int64_t user_id) const;

  // The secret `sealed` holds, if it was sealed by this key for `user_id` and not altered since.
  // kDataLoss otherwise: an unknown version, broken encoding, a wrong length, or a failed
  // authentication (another key, another user, any changed byte). Never returns unauthenticated
  // bytes.
  absl::StatusOr<std::string> Open(absl::string_view sealed, int64_t user_id) const;

 private:
  SealingKey key_;
};

}  // namespace auth::otp

#endif  // LIBS_OTP_SECRET_SEALER_H_
