// Key: Ed25519 and HMAC-SHA-256 through the EVP/HMAC calls that OpenSSL 3 and BoringSSL share.
#include "libs/token/key.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::token {
namespace {

constexpr std::size_t kEd25519KeyBytes = 32;
constexpr std::size_t kEd25519SignatureBytes = 64;
constexpr std::size_t kHs256Bytes = 32;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::shared_ptr<EVP_PKEY> Share(EVP_PKEY* pkey) {
  return std::shared_ptr<EVP_PKEY>(pkey, [](EVP_PKEY* p) { EVP_PKEY_free(p); });
}

const uint8_t* Bytes(absl::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Fails with `message`, dropping whatever OpenSSL queued so it cannot surface later.
absl::Status CryptoError(absl::StatusCode code, absl::string_view message) {
  ERR_clear_error();
  return absl::Status(code, message);
}

bool IsKidChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

absl::Status ValidateKid(absl::string_view kid) {
  if (kid.empty() || kid.size() > 128) {
    return absl::InvalidArgumentError("key id must be 1 to 128 characters");
  }
  for (char c : kid) {
    if (!IsKidChar(c))
      return absl::InvalidArgumentError("key id has a character outside [A-Za-z0-9._:-]");
  }
  return absl::OkStatus();
}

// Never prompts for a passphrase: encrypted key files are rejected rather than blocking startup.
int NoPassword(char*, int, int, void*) { return 0; }

absl::StatusOr<std::string> ReadBio(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  if (size <= 0 || data == nullptr)
    return CryptoError(absl::StatusCode::kInternal, "PEM encoding failed");
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

absl::string_view AlgorithmName(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kEdDSA:
      return "EdDSA";
    case Algorithm::kHS256:
      return "HS256";
  }
  return "";
}

absl::StatusOr<Key> Key::Ed25519FromPrivatePem(absl::string_view kid, absl::string_view pem) {
  if (absl::Status status = ValidateKid(kid); !status.ok()) return status;
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return CryptoError(absl::StatusCode::kInternal, "out of memory");
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr);
  if (pkey == nullptr) {
    return CryptoError(absl::StatusCode::kInvalidArgument,
                       "not an unencrypted PEM private key (want BEGIN PRIVATE KEY)");
  }
  Key key(std::string(kid), Algorithm::kEdDSA, /*can_sign=*/true);
  key.pkey_ = Share(pkey);
  if (EVP_PKEY_id(pkey) != EVP_PKEY_ED25519) {
    return CryptoError(absl::StatusCode::kInvalidArgument, "private key is not an Ed25519 key");
  }
  return key;
}

absl::StatusOr<Key> Key::Ed25519FromPublicPem(absl::string_view kid, absl::string_view pem) {
  if (absl::Status status = ValidateKid(kid); !status.ok()) return status;
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return CryptoError(absl::StatusCode::kInternal, "out of memory");
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassword, nullptr);
  if (pkey == nullptr) {
    return CryptoError(absl::StatusCode::kInvalidArgument,
                       "not a PEM public key (want BEGIN PUBLIC KEY)");
  }
  Key key(std::string(kid), Algorithm::kEdDSA, /*can_sign=*/false);
  key.pkey_ = Share(pkey);
  if (EVP_PKEY_id(pkey) != EVP_PKEY_ED25519) {
    return CryptoError(absl::StatusCode::kInvalidArgument, "public key is not an Ed25519 key");
  }
  return key;
}

absl::StatusOr<Key> Key::Ed25519FromSeed(absl::string_view kid, absl::string_view seed) {
  if (absl::Status status = ValidateKid(kid); !status.ok()) return status;
  if (seed.size() != kEd25519KeyBytes) {
    return absl::InvalidArgumentError("Ed25519 private key must be 32 bytes");
  }
  EVP_PKEY* pkey =
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(seed), seed.size());
  if (pkey == nullptr) return CryptoError(absl::StatusCode::kInternal, "Ed25519 key setup failed");
  Key key(std::string(kid), Algorithm::kEdDSA, /*can_sign=*/true);
  key.pkey_ = Share(pkey);
  return key;
}

absl::StatusOr<Key> Key::Ed25519FromPublicBytes(absl::string_view kid,
                                                absl::string_view public_key) {
  if (absl::Status status = ValidateKid(kid); !status.ok()) return status;
  if (public_key.size() != kEd25519KeyBytes) {
    return absl::InvalidArgumentError("Ed25519 public key must be 32 bytes");
  }
  EVP_PKEY* pkey =
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(public_key), public_key.size());
  if (pkey == nullptr) {
    return CryptoError(absl::StatusCode::kInvalidArgument, "invalid Ed25519 public key");
  }
  Key key(std::string(kid), Algorithm::kEdDSA, /*can_sign=*/false);
  key.pkey_ = Share(pkey);
  return key;
}

absl::StatusOr<Key> Key::GenerateEd25519(absl::string_view kid) {
  if (absl::Status status = ValidateKid(kid); !status.ok()) return status;
  std::unique_ptr<EVP_PKEY_CTX, void (*)(EVP_PKEY_CTX*)> ctx(
      EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* pkey = nullptr;
  if (ctx == nullptr || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_keygen(ctx.get(), &pkey) != 1 || pkey == nullptr) {
    return CryptoError(absl::StatusCode::kInternal, "Ed25519 key generation failed");
  }
  Key key(std::string(kid), Algorithm::kEdDSA, /*can_sign=*/true);
  key.pkey_ = Share(pkey);
  return key;
}

absl::StatusOr<Key> Key::Hs256(absl::string_view kid, absl::string_view secret) {
  if (absl::Status status = ValidateKid(kid); !status.ok()) return status;
  if (secret.size() < kMinHs256SecretBytes) {
    return absl::InvalidArgumentError("HS256 secret must be at least 32 bytes");
  }
  Key key(std::string(kid), Algorithm::kHS256, /*can_sign=*/true);
  key.secret_ = std::shared_ptr<const std::string>(new std::string(secret), [](std::string* s) {
    OPENSSL_cleanse(s->data(), s->size());
    delete s;
  });
  return key;
}

absl::StatusOr<std::string> Key::Sign(absl::string_view signing_input) const {
  if (!can_sign_) return absl::FailedPreconditionError("key is verify-only");
  if (algorithm_ == Algorithm::kHS256) {
    std::string mac(kHs256Bytes, '\0');
    unsigned int mac_size = 0;
    if (HMAC(EVP_sha256(), secret_->data(), static_cast<int>(secret_->size()), Bytes(signing_input),
             signing_input.size(), reinterpret_cast<uint8_t*>(mac.data()), &mac_size) == nullptr ||
        mac_size != kHs256Bytes) {
      return CryptoError(absl::StatusCode::kInternal, "HMAC failed");
    }
    return mac;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string signature(kEd25519SignatureBytes, '\0');
  std::size_t signature_size = signature.size();
  // Ed25519 hashes internally, so the digest is NULL and the message goes in one call.
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<uint8_t*>(signature.data()), &signature_size,
                     Bytes(signing_input), signing_input.size()) != 1 ||
      signature_size != kEd25519SignatureBytes) {
    return CryptoError(absl::StatusCode::kInternal, "Ed25519 signing failed");
  }
  return signature;
}

bool Key::Verify(absl::string_view signing_input, absl::string_view signature) const {
  if (algorithm_ == Algorithm::kHS256) {
    absl::StatusOr<std::string> expected = Sign(signing_input);
    return expected.ok() && signature.size() == expected->size() &&
           CRYPTO_memcmp(expected->data(), signature.data(), signature.size()) == 0;
  }
  if (signature.size() != kEd25519SignatureBytes) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  bool valid = ctx != nullptr &&
               EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey_.get()) == 1 &&
               EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(signing_input),
                                signing_input.size()) == 1;
  if (!valid) ERR_clear_error();
  return valid;
}

absl::StatusOr<std::string> Key::PublicKeyBytes() const {
  if (algorithm_ != Algorithm::kEdDSA) {
    return absl::FailedPreconditionError("an HS256 key has no public part");
  }
  std::string bytes(kEd25519KeyBytes, '\0');
  std::size_t size = bytes.size();
  if (EVP_PKEY_get_raw_public_key(pkey_.get(), reinterpret_cast<uint8_t*>(bytes.data()), &size) !=
          1 ||
      size != kEd25519KeyBytes) {
    return CryptoError(absl::StatusCode::kInternal, "cannot export the Ed25519 public key");
  }
  return bytes;
}

absl::StatusOr<std::string> Key::PublicKeyPem() const {
  if (algorithm_ != Algorithm::kEdDSA) {
    return absl::FailedPreconditionError("an HS256 key has no public part");
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) != 1) {
    return CryptoError(absl::StatusCode::kInternal, "PEM encoding failed");
  }
  return ReadBio(bio.get());
}

absl::StatusOr<std::string> Key::PrivateKeyPem() const {
  if (algorithm_ != Algorithm::kEdDSA || !can_sign_) {
    return absl::FailedPreconditionError("not an Ed25519 private key");
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0,
                                                 nullptr, nullptr) != 1) {
    return CryptoError(absl::StatusCode::kInternal, "PEM encoding failed");
  }
  return ReadBio(bio.get());
}

}  // namespace auth::token
