// Test support: an authenticator made in the test with the crypto library, and a CBOR encoder
// written independently of libcbor, so the tests build real registrations and assertions (and
// forged variants) byte by byte.
#ifndef LIBS_WEBAUTHN_TEST_AUTHENTICATOR_H_
#define LIBS_WEBAUTHN_TEST_AUTHENTICATOR_H_

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace auth::webauthn::testing {

// CBOR items, encoded by hand (definite lengths, shortest heads).
std::string CborHead(int major_type, uint64_t value);
std::string CborUint(uint64_t value);
std::string CborInt(int64_t value);
std::string CborBytes(absl::string_view bytes);
std::string CborText(absl::string_view text);
// A map of `entries` key/value pairs, already encoded one after the other.
std::string CborMap(size_t entries, absl::string_view encoded_pairs);

enum class KeyType { kP256, kEd25519 };

class TestAuthenticator {
 public:
  explicit TestAuthenticator(KeyType type);

  // The COSE_Key of the public key, with `alg` (default: the key's own algorithm).
  std::string CoseKey() const;
  std::string CoseKeyWithAlg(int64_t alg) const;
  // Signs as the key's algorithm does (ES256: DER ECDSA over SHA-256; Ed25519).
  std::string Sign(absl::string_view message) const;

 private:
  KeyType type_;
  std::shared_ptr<EVP_PKEY> key_;
  std::string x_;
  std::string y_;
};

// Authenticator data with attested credential data when `credential_id` is non-empty.
std::string AuthenticatorDataBytes(absl::string_view rp_id, uint8_t flags, uint32_t sign_count,
                                   absl::string_view credential_id = "",
                                   absl::string_view cose_key = "");
std::string ClientDataJson(absl::string_view type, absl::string_view challenge,
                           absl::string_view origin, absl::string_view extra_members = "");
std::string AttestationObject(absl::string_view auth_data, absl::string_view fmt = "none");
// SHA-256 as raw bytes.
std::string Sha256Bytes(absl::string_view data);

}  // namespace auth::webauthn::testing

#endif  // LIBS_WEBAUTHN_TEST_AUTHENTICATOR_H_
