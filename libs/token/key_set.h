// KeySet: the keys a JwtIssuer signs with and a JwtVerifier accepts, by kid.
//
//   // Production: the current Ed25519 signing key plus the previous one, still accepted.
//   absl::StatusOr<KeySet> keys = KeySet::FromFiles(
//       "/etc/auth/jwt-2024-06.pem", "2024-06", {{"2024-01", "/etc/auth/jwt-2024-01.pub.pem"}});
//   // Local development only: a random key that dies with the process.
//   KeySet dev_keys = KeySet::GenerateEphemeral();
//   std::string jwks = keys->ToJwks();  // serve to other services, they verify with it
//
// Rotation: make a new signing key, move the old one to the verify-only list (its public PEM is
// enough), and drop it once every token it signed has expired (lifetime + leeway).
#ifndef LIBS_TOKEN_KEY_SET_H_
#define LIBS_TOKEN_KEY_SET_H_

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/token/key.h"

namespace auth::token {

class KeySet {
 public:
  // Where one key lives on disk. An EdDSA file is a PEM: "BEGIN PRIVATE KEY" (PKCS#8) for a
  // signing key, "BEGIN PUBLIC KEY" for a verify-only one (a private PEM works there too). An
  // HS256 file holds the raw secret, every byte of it (mind trailing newlines), >= 32 bytes.
  // An empty kid names an EdDSA key by its RFC 7638 thumbprint (Thumbprint()), so that a file
  // replaced by a new key gets a new kid by itself; an HS256 key needs a kid.
  struct KeyFile {
    std::string kid;
    std::string path;
    Algorithm algorithm = Algorithm::kEdDSA;
  };

  // Builds a set from keys already loaded. `signing_key`, if given, must be able to sign; a set
  // without one can only verify. kInvalidArgument for duplicate kids or an empty set.
  static absl::StatusOr<KeySet> Create(std::optional<Key> signing_key,
                                       std::vector<Key> verify_only);

  // Loads `signing` (skipped when its path is empty) and `verify_only` from files. Errors name
  // the file and the problem, never key material.
  static absl::StatusOr<KeySet> FromFiles(const KeyFile& signing,
                                          const std::vector<KeyFile>& verify_only);

  // The common EdDSA case: a private key PEM to sign with, and kid -> public key PEM path for
  // older keys that are still accepted.
  static absl::StatusOr<KeySet> FromFiles(
      const std::string& signing_key_file, absl::string_view kid,
      const std::map<std::string, std::string>& verify_only_files = {});

  // The RFC 7638 JWK thumbprint of an Ed25519 key: base64url(SHA-256 of
  // {"crv":"Ed25519","kty":"OKP","x":...}), 43 characters. kFailedPrecondition for HS256.
  static absl::StatusOr<std::string> Thumbprint(const Key& key);

  // A fresh random Ed25519 signing key, for local development. Logs a loud warning: tokens it
  // signs are worthless after a restart and other replicas cannot verify them.
  static KeySet GenerateEphemeral();

  // The key new tokens are signed with, or nullptr for a verify-only set.
  const Key* signing_key() const;
  // The key named `kid` (signing or verify-only), or nullptr.
  const Key* Find(absl::string_view kid) const;
  // All keys, the signing key (if any) first.
  const std::vector<Key>& keys() const { return keys_; }

  // The public Ed25519 keys as a JWKS document (RFC 7517 section 5, RFC 8037 section 2):
  // {"keys":[{"kty":"OKP","crv":"Ed25519","x":...,"kid":...,"alg":"EdDSA","use":"sig"}]}.
  // HS256 secrets are never exported.
  std::string ToJwks() const;

 private:
  KeySet(std::vector<Key> keys, bool has_signing_key)
      : keys_(std::move(keys)), has_signing_key_(has_signing_key) {}

  std::vector<Key> keys_;
  bool has_signing_key_;
};

}  // namespace auth::token

#endif  // LIBS_TOKEN_KEY_SET_H_
