// Key: one JWS signing or verification key, named by its `kid`.
//
//   absl::StatusOr<Key> key = Key::Ed25519FromPrivatePem("2024-06", pem_text);
//   absl::StatusOr<std::string> signature = key->Sign(signing_input);
//   bool valid = key->Verify(signing_input, *signature);
//
// Two algorithms: EdDSA with Ed25519 (the default: services that only verify hold the public
// key, never a secret) and HS256 (a shared secret of at least 32 bytes). A Key's algorithm is
// fixed when it is made, and a verifier takes the algorithm from the key, never from a token.
// Keys are cheap to copy (the material is shared and immutable) and safe to use from many
// threads. Nothing here logs or returns key material in a message.
#ifndef LIBS_TOKEN_KEY_H_
#define LIBS_TOKEN_KEY_H_

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// OpenSSL's and BoringSSL's EVP_PKEY, kept out of this header.
struct evp_pkey_st;

namespace auth::token {

enum class Algorithm {
  kEdDSA,  // Ed25519 (RFC 8037)
  kHS256,  // HMAC-SHA-256 (RFC 7518 section 3.2)
};

// The JWS "alg" name: "EdDSA" or "HS256".
absl::string_view AlgorithmName(Algorithm algorithm);

class Key {
 public:
  // A kid is 1 to 128 characters from [A-Za-z0-9._:-]: it travels in JSON and in file names.
  // Shortest HS256 secret accepted: RFC 7518 section 3.2 asks for at least the hash size.
  static constexpr std::size_t kMinHs256SecretBytes = 32;

  // An Ed25519 private key from a PKCS#8 PEM ("BEGIN PRIVATE KEY"), unencrypted.
  static absl::StatusOr<Key> Ed25519FromPrivatePem(absl::string_view kid, absl::string_view pem);
  // A verify-only Ed25519 public key from a SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY").
  static absl::StatusOr<Key> Ed25519FromPublicPem(absl::string_view kid, absl::string_view pem);
  // An Ed25519 private key from its 32-byte seed (RFC 8037 "d").
  static absl::StatusOr<Key> Ed25519FromSeed(absl::string_view kid, absl::string_view seed);
  // A verify-only Ed25519 public key from its 32 raw bytes (RFC 8037 "x").
  static absl::StatusOr<Key> Ed25519FromPublicBytes(absl::string_view kid,
                                                    absl::string_view public_key);
  // A fresh random Ed25519 private key.
  static absl::StatusOr<Key> GenerateEd25519(absl::string_view kid);
  // An HS256 key; `secret` must be at least kMinHs256SecretBytes long.
  static absl::StatusOr<Key> Hs256(absl::string_view kid, absl::string_view secret);

  // The key id tokens name in their "kid" header.
  const std::string& kid() const { return kid_; }
  // The only algorithm this key signs and verifies with.
  Algorithm algorithm() const { return algorithm_; }
  // True for an Ed25519 private key or an HS256 secret.
  bool can_sign() const { return can_sign_; }

  // Signs `signing_input`; kFailedPrecondition for a public-only key.
  absl::StatusOr<std::string> Sign(absl::string_view signing_input) const;
  // True iff `signature` is this key's valid signature over `signing_input`.
  bool Verify(absl::string_view signing_input, absl::string_view signature) const;

  // The 32 raw Ed25519 public key bytes (JWK "x"); kFailedPrecondition for HS256.
  absl::StatusOr<std::string> PublicKeyBytes() const;
  // The public key as a "BEGIN PUBLIC KEY" PEM; kFailedPrecondition for HS256.
  absl::StatusOr<std::string> PublicKeyPem() const;
  // The private key as an unencrypted PKCS#8 PEM, for writing a key file. Handle with care.
  absl::StatusOr<std::string> PrivateKeyPem() const;

 private:
  Key(std::string kid, Algorithm algorithm, bool can_sign)
      : kid_(std::move(kid)), algorithm_(algorithm), can_sign_(can_sign) {}

  std::string kid_;
  Algorithm algorithm_;
  bool can_sign_;
  std::shared_ptr<evp_pkey_st> pkey_;          // kEdDSA only
  std::shared_ptr<const std::string> secret_;  // kHS256 only; wiped when the last copy goes
};

}  // namespace auth::token

#endif  // LIBS_TOKEN_KEY_H_
