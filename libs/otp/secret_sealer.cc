// SealingKey, LoadSealingKey, SecretSealer; see secret_sealer.h.
#include "libs/otp/secret_sealer.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace auth::otp {
namespace {

constexpr absl::string_view kVersionPrefix = "v1:";
constexpr int kNonceBytes = 12;
constexpr int kTagBytes = 16;
// A sealed TOTP secret is 20 bytes; anything this long is not one of ours.
constexpr size_t kMaxSealedChars = 4096;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// What the ciphertext is bound to besides the key: its purpose and its owner.
std::string AssociatedData(int64_t user_id) {
  return absl::StrCat("auth totp secret v1; user ", user_id);
}

const unsigned char* Bytes(absl::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

absl::Status OpenError() {
  return absl::DataLossError("sealed secret does not open: another key, another user, or altered");
}

}  // namespace

absl::StatusOr<SealingKey> SealingKey::FromBytes(absl::string_view bytes) {
  if (bytes.size() != kBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("a sealing key has ", kBytes, " bytes, not ", bytes.size()));
  }
  SealingKey key;
  std::memcpy(key.bytes_.data(), bytes.data(), kBytes);
  return key;
}

SealingKey::~SealingKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

absl::StatusOr<SealingKey> LoadSealingKey(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    const std::string message = absl::StrCat("sealing key ", path, ": ", std::strerror(error));
    if (error == ENOENT) return absl::NotFoundError(message);
    if (error == EACCES) return absl::PermissionDeniedError(message);
    return absl::InternalError(message);
  }
  absl::Cleanup close_fd = [fd] { close(fd); };
  // Checked on the open file, so the file read is the file checked.
  struct stat info;
  if (fstat(fd, &info) != 0) {
    return absl::InternalError(absl::StrCat("sealing key ", path, ": ", std::strerror(errno)));
  }
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("sealing key ", path, " is not a regular file"));
  }
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("sealing key ", path, " is accessible to group or others (chmod 600 it)"));
  }
  // One byte more than a key, to tell a long file from a key.
  unsigned char buffer[SealingKey::kBytes + 1];
  size_t read_bytes = 0;
  while (read_bytes < sizeof(buffer)) {
    const ssize_t n = read(fd, buffer + read_bytes, sizeof(buffer) - read_bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::InternalError(absl::StrCat("sealing key ", path, ": ", std::strerror(errno)));
    }
    if (n == 0) break;
    read_bytes += static_cast<size_t>(n);
  }
  absl::Cleanup wipe = [&buffer] { OPENSSL_cleanse(buffer, sizeof(buffer)); };
  if (read_bytes != SealingKey::kBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sealing key ", path, " must hold exactly ", SealingKey::kBytes, " bytes, it holds ",
        read_bytes > SealingKey::kBytes ? "more" : absl::StrCat(read_bytes)));
  }
  return SealingKey::FromBytes(
      absl::string_view(reinterpret_cast<const char*>(buffer), SealingKey::kBytes));
}

absl::StatusOr<std::string> SecretSealer::Seal(absl::string_view secret, int64_t user_id) const {
  std::string sealed(kNonceBytes + secret.size() + kTagBytes, '\0');
  unsigned char* nonce = reinterpret_cast<unsigned char*>(sealed.data());
  unsigned char* ciphertext = nonce + kNonceBytes;
  unsigned char* tag = ciphertext + secret.size();
  if (RAND_bytes(nonce, kNonceBytes) != 1) return absl::InternalError("random generator failed");

  CipherContext context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  const std::string aad = AssociatedData(user_id);
  int length = 0;
  if (context == nullptr ||
      EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1 ||
      EVP_EncryptUpdate(context.get(), nullptr, &length, Bytes(aad),
                        static_cast<int>(aad.size())) != 1 ||
      (!secret.empty() && EVP_EncryptUpdate(context.get(), ciphertext, &length, Bytes(secret),
                                            static_cast<int>(secret.size())) != 1) ||
      EVP_EncryptFinal_ex(context.get(), tag, &length) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag) != 1) {
    return absl::InternalError("AES-256-GCM sealing failed");
  }
  return absl::StrCat(kVersionPrefix, absl::WebSafeBase64Escape(sealed));
}

absl::StatusOr<std::string> SecretSealer::Open(absl::string_view sealed, int64_t user_id) const {
  if (sealed.size() > kMaxSealedChars) return absl::DataLossError("sealed secret: too long");
  if (!absl::ConsumePrefix(&sealed, kVersionPrefix)) {
    return absl::DataLossError("sealed secret: unknown version");
  }
  std::string bytes;
  // abseil's decoder tolerates padding and stray bits; only the one spelling Seal writes is ours.
  if (!absl::WebSafeBase64Unescape(sealed, &bytes) || absl::WebSafeBase64Escape(bytes) != sealed) {
    return absl::DataLossError("sealed secret: not canonical base64url");
  }
  if (bytes.size() < kNonceBytes + kTagBytes) {
    return absl::DataLossError("sealed secret: too short");
  }
  const unsigned char* nonce = Bytes(bytes);
  const unsigned char* ciphertext = nonce + kNonceBytes;
  const size_t secret_size = bytes.size() - kNonceBytes - kTagBytes;
  // The tag is passed as a copy: OpenSSL's ctrl takes a non-const pointer.
  unsigned char tag[kTagBytes];
  std::memcpy(tag, ciphertext + secret_size, kTagBytes);

  std::string secret(secret_size, '\0');
  unsigned char* plaintext = reinterpret_cast<unsigned char*>(secret.data());
  CipherContext context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  const std::string aad = AssociatedData(user_id);
  int length = 0;
  if (context == nullptr ||
      EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1 ||
      EVP_DecryptUpdate(context.get(), nullptr, &length, Bytes(aad),
                        static_cast<int>(aad.size())) != 1 ||
      (secret_size > 0 && EVP_DecryptUpdate(context.get(), plaintext, &length, ciphertext,
                                            static_cast<int>(secret_size)) != 1) ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) != 1 ||
      EVP_DecryptFinal_ex(context.get(), plaintext + secret_size, &length) != 1) {
    // Decrypted bytes that failed authentication are wiped, never returned.
    OPENSSL_cleanse(secret.data(), secret.size());
    return OpenError();
  }
  return secret;
}

}  // namespace auth::otp
