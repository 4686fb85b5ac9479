// A credential public key as WebAuthn delivers it (a COSE_Key, RFC 9053), limited to the two
// algorithms the relying party asks for, and signature verification through the crypto library
// (OpenSSL, or BoringSSL under --config=boringssl):
//
//   absl::StatusOr<CosePublicKey> key = CosePublicKey::FromCoseKey(cose_map);
//   store(key->spki_der());                                  // what a database keeps
//   absl::StatusOr<CosePublicKey> again = CosePublicKey::FromSpkiDer(stored);
//   absl::Status ok = again->Verify(signed_bytes, signature);
//
// Accepted: ES256 (kty 2 EC2, alg -7, crv 1 P-256, 32-byte x and y, a point on the curve) and
// EdDSA (kty 1 OKP, alg -8, crv 6 Ed25519, 32-byte x). Anything else, or a key carrying private
// material (label -4), is kInvalidArgument.
#ifndef LIBS_WEBAUTHN_COSE_KEY_H_
#define LIBS_WEBAUTHN_COSE_KEY_H_

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/webauthn/cbor.h"

namespace auth::webauthn {

// COSE algorithm identifiers (IANA "COSE Algorithms"), in the order the relying party prefers.
enum class CoseAlgorithm : int64_t {
  kEdDsa = -8,
  kEs256 = -7,
};

class CosePublicKey {
 public:
  // Parses a decoded COSE_Key map.
  static absl::StatusOr<CosePublicKey> FromCoseKey(const cbor_item_t* cose_key);
  // Reads the stored form back: SubjectPublicKeyInfo DER of a P-256 or Ed25519 key, exactly as
  // spki_der() wrote it.
  static absl::StatusOr<CosePublicKey> FromSpkiDer(absl::string_view spki_der);

  CoseAlgorithm algorithm() const { return algorithm_; }
  // SubjectPublicKeyInfo DER: the stored form, also readable by any X.509 tool.
  const std::string& spki_der() const { return spki_der_; }

  // OK if `signature` is this key's signature over `message` (ES256: DER-encoded ECDSA over
  // SHA-256; EdDSA: Ed25519); kUnauthenticated if not.
  absl::Status Verify(absl::string_view message, absl::string_view signature) const;

 private:
  struct KeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  };
  CosePublicKey(CoseAlgorithm algorithm, std::string spki_der, std::shared_ptr<EVP_PKEY> key)
      : algorithm_(algorithm), spki_der_(std::move(spki_der)), key_(std::move(key)) {}

  CoseAlgorithm algorithm_;
  std::string spki_der_;
  std::shared_ptr<EVP_PKEY> key_;  // immutable once built, so copies may share it
};

}  // namespace auth::webauthn

#endif  // LIBS_WEBAUTHN_COSE_KEY_H_
