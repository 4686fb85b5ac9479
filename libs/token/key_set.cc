// KeySet: loading keys from files, the ephemeral development key, and JWKS export.
#include "libs/token/key_set.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "glog/logging.h"
#include "libs/token/internal/base64url.h"
#include "libs/token/key.h"
#include "nlohmann/json.hpp"

namespace auth::token {
namespace {

// Key files are a few hundred bytes; anything much larger is the wrong file.
constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;

absl::StatusOr<std::string> ReadKeyFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot open key file ", path));
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) return absl::DataLossError(absl::StrCat("cannot read key file ", path));
  std::string bytes = std::move(contents).str();
  if (bytes.size() > kMaxKeyFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat("key file ", path, " is too large"));
  }
  return bytes;
}

// The kid a key is loaded under until its thumbprint is known.
constexpr absl::string_view kUnnamedKid = "unnamed";

absl::StatusOr<Key> ParseKey(absl::string_view kid, const std::string& contents,
                             Algorithm algorithm, bool for_signing) {
  if (algorithm == Algorithm::kHS256) return Key::Hs256(kid, contents);
  if (for_signing) return Key::Ed25519FromPrivatePem(kid, contents);
  // A verify-only Ed25519 key is normally a public PEM, but a retired private PEM is accepted
  // too (the verifier then simply never signs with it).
  absl::StatusOr<Key> key = Key::Ed25519FromPublicPem(kid, contents);
  if (!key.ok()) {
    absl::StatusOr<Key> from_private = Key::Ed25519FromPrivatePem(kid, contents);
    if (from_private.ok()) key = std::move(from_private);
  }
  return key;
}

absl::StatusOr<Key> LoadKey(const KeySet::KeyFile& file, bool for_signing) {
  absl::StatusOr<std::string> contents = ReadKeyFile(file.path);
  if (!contents.ok()) return contents.status();
  absl::StatusOr<Key> key = absl::InvalidArgumentError("an HS256 key needs a key id");
  if (!file.kid.empty()) {
    key = ParseKey(file.kid, *contents, file.algorithm, for_signing);
  } else if (file.algorithm == Algorithm::kEdDSA) {
    key = ParseKey(kUnnamedKid, *contents, file.algorithm, for_signing);
    absl::StatusOr<std::string> thumbprint =
        key.ok() ? KeySet::Thumbprint(*key) : absl::StatusOr<std::string>(key.status());
    key = thumbprint.ok() ? ParseKey(*thumbprint, *contents, file.algorithm, for_signing)
                          : absl::StatusOr<Key>(thumbprint.status());
  }
  // Wipe our copy of the file; the Key keeps its own.
  OPENSSL_cleanse(contents->data(), contents->size());
  if (!key.ok()) {
    return absl::Status(key.status().code(),
                        absl::StrCat("key file ", file.path, ": ", key.status().message()));
  }
  return key;
}

}  // namespace

absl::StatusOr<KeySet> KeySet::Create(std::optional<Key> signing_key,
                                      std::vector<Key> verify_only) {
  std::vector<Key> keys;
  bool has_signing_key = signing_key.has_value();
  if (has_signing_key) {
    if (!signing_key->can_sign()) {
      return absl::InvalidArgumentError("signing key is public-only and cannot sign");
    }
    keys.push_back(*std::move(signing_key));
  }
  for (Key& key : verify_only) keys.push_back(std::move(key));
  if (keys.empty()) return absl::InvalidArgumentError("key set is empty");
  absl::flat_hash_set<std::string> kids;
  for (const Key& key : keys) {
    if (!kids.insert(key.kid()).second) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate key id ", key.kid()));
    }
  }
  return KeySet(std::move(keys), has_signing_key);
}

absl::StatusOr<KeySet> KeySet::FromFiles(const KeyFile& signing,
                                         const std::vector<KeyFile>& verify_only) {
  std::optional<Key> signing_key;
  if (!signing.path.empty()) {
    absl::StatusOr<Key> key = LoadKey(signing, /*for_signing=*/true);
    if (!key.ok()) return key.status();
    signing_key = *std::move(key);
  }
  std::vector<Key> verify_keys;
  for (const KeyFile& file : verify_only) {
    absl::StatusOr<Key> key = LoadKey(file, /*for_signing=*/false);
    if (!key.ok()) return key.status();
    verify_keys.push_back(*std::move(key));
  }
  return Create(std::move(signing_key), std::move(verify_keys));
}

absl::StatusOr<KeySet> KeySet::FromFiles(
    const std::string& signing_key_file, absl::string_view kid,
    const std::map<std::string, std::string>& verify_only_files) {
  std::vector<KeyFile> verify_only;
  for (const auto& [verify_kid, path] : verify_only_files) {
    verify_only.push_back(KeyFile{verify_kid, path, Algorithm::kEdDSA});
  }
  return FromFiles(KeyFile{std::string(kid), signing_key_file, Algorithm::kEdDSA}, verify_only);
}

absl::StatusOr<std::string> KeySet::Thumbprint(const Key& key) {
  absl::StatusOr<std::string> x = key.PublicKeyBytes();
  if (!x.ok()) return x.status();
  // RFC 7638 section 3.2: the required members only, in lexicographic order, no whitespace.
  const std::string jwk =
      absl::StrCat(R"({"crv":"Ed25519","kty":"OKP","x":")", internal::Base64UrlEncode(*x), R"("})");
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(jwk.data()), jwk.size(), digest);
  return internal::Base64UrlEncode(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

KeySet KeySet::GenerateEphemeral() {
  // A random kid, so tokens from an earlier run fail as "unknown kid" rather than as a bad
  // signature, which makes the cause obvious.
  uint8_t random[6];
  CHECK_EQ(RAND_bytes(random, sizeof(random)), 1) << "RAND_bytes failed";
  std::string kid =
      absl::StrCat("ephemeral-", absl::BytesToHexString(absl::string_view(
                                     reinterpret_cast<const char*>(random), sizeof(random))));
  absl::StatusOr<Key> key = Key::GenerateEd25519(kid);
  CHECK(key.ok()) << "cannot generate an ephemeral Ed25519 key: " << key.status();
  LOG(WARNING) << "*** JWT signing key is EPHEMERAL (kid " << kid << "): generated at startup "
               << "for local development. Tokens will not survive a restart and other "
               << "replicas cannot verify them. Run jwt_keygen and configure key files for "
               << "production. ***";
  absl::StatusOr<KeySet> keys = Create(*std::move(key), {});
  CHECK(keys.ok()) << keys.status();
  return *std::move(keys);
}

const Key* KeySet::signing_key() const { return has_signing_key_ ? &keys_.front() : nullptr; }

const Key* KeySet::Find(absl::string_view kid) const {
  for (const Key& key : keys_) {
    if (key.kid() == kid) return &key;
  }
  return nullptr;
}

std::string KeySet::ToJwks() const {
  nlohmann::json keys = nlohmann::json::array();
  for (const Key& key : keys_) {
    if (key.algorithm() != Algorithm::kEdDSA) continue;
    absl::StatusOr<std::string> x = key.PublicKeyBytes();
    if (!x.ok()) {
      LOG(ERROR) << "cannot export public key " << key.kid() << " to JWKS: " << x.status();
      continue;
    }
    keys.push_back({{"kty", "OKP"},
                    {"crv", "Ed25519"},
                    {"x", internal::Base64UrlEncode(*x)},
                    {"kid", key.kid()},
                    {"alg", "EdDSA"},
                    {"use", "sig"}});
  }
  return nlohmann::json{{"keys", std::move(keys)}}.dump();
}

}  // namespace auth::token
