#include "libs/webauthn/test_authenticator.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/crypto/sha256.h"
#include "libs/token/internal/base64url.h"

namespace auth::webauthn::testing {
namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

std::string CborHead(int major_type, uint64_t value) {
  const auto major = static_cast<char>(major_type << 5);
  auto big_endian = [](uint64_t v, int bytes) {
    std::string out;
    for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return out;
  };
  if (value < 24) return std::string(1, static_cast<char>(major | value));
  if (value <= 0xff) return absl::StrCat(std::string(1, major | 24), big_endian(value, 1));
  if (value <= 0xffff) return absl::StrCat(std::string(1, major | 25), big_endian(value, 2));
  if (value <= 0xffffffff) return absl::StrCat(std::string(1, major | 26), big_endian(value, 4));
  return absl::StrCat(std::string(1, major | 27), big_endian(value, 8));
}

std::string CborUint(uint64_t value) { return CborHead(0, value); }
std::string CborInt(int64_t value) {
  return value >= 0 ? CborHead(0, value) : CborHead(1, static_cast<uint64_t>(-1 - value));
}
std::string CborBytes(absl::string_view bytes) {
  return absl::StrCat(CborHead(2, bytes.size()), bytes);
}
std::string CborText(absl::string_view text) {
  return absl::StrCat(CborHead(3, text.size()), text);
}
std::string CborMap(size_t entries, absl::string_view encoded_pairs) {
  return absl::StrCat(CborHead(5, entries), encoded_pairs);
}

TestAuthenticator::TestAuthenticator(KeyType type) : type_(type) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> context(
      EVP_PKEY_CTX_new_id(type == KeyType::kP256 ? EVP_PKEY_EC : EVP_PKEY_ED25519, nullptr),
      &EVP_PKEY_CTX_free);
  Check(context != nullptr && EVP_PKEY_keygen_init(context.get()) == 1);
  if (type == KeyType::kP256) {
    Check(EVP_PKEY_CTX_set_ec_paramgen_curve_nid(context.get(), NID_X9_62_prime256v1) == 1);
  }
  EVP_PKEY* key = nullptr;
  Check(EVP_PKEY_keygen(context.get(), &key) == 1);
  key_.reset(key, &EVP_PKEY_free);
  // The public key's last bytes in SubjectPublicKeyInfo are the raw key (P-256: 04 | x | y).
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key, &der);
  Check(length > 0);
  const std::string spki(reinterpret_cast<char*>(der), length);
  OPENSSL_free(der);
  if (type == KeyType::kP256) {
    x_ = spki.substr(spki.size() - 64, 32);
    y_ = spki.substr(spki.size() - 32, 32);
  } else {
    x_ = spki.substr(spki.size() - 32, 32);
  }
}

std::string TestAuthenticator::CoseKey() const {
  return CoseKeyWithAlg(type_ == KeyType::kP256 ? -7 : -8);
}

std::string TestAuthenticator::CoseKeyWithAlg(int64_t alg) const {
  if (type_ == KeyType::kP256) {
    return CborMap(
        5, absl::StrCat(CborInt(1), CborInt(2), CborInt(3), CborInt(alg), CborInt(-1), CborInt(1),
                        CborInt(-2), CborBytes(x_), CborInt(-3), CborBytes(y_)));
  }
  return CborMap(4, absl::StrCat(CborInt(1), CborInt(1), CborInt(3), CborInt(alg), CborInt(-1),
                                 CborInt(6), CborInt(-2), CborBytes(x_)));
}

std::string TestAuthenticator::Sign(absl::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  &EVP_MD_CTX_free);
  const EVP_MD* digest = type_ == KeyType::kP256 ? EVP_sha256() : nullptr;
  Check(EVP_DigestSignInit(context.get(), nullptr, digest, nullptr, key_.get()) == 1);
  size_t size = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(message.data());
  Check(EVP_DigestSign(context.get(), nullptr, &size, data, message.size()) == 1);
  std::string signature(size, '\0');
  Check(EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                       data, message.size()) == 1);
  signature.resize(size);
  return signature;
}

std::string Sha256Bytes(absl::string_view data) {
  const crypto::Sha256Digest digest = crypto::Sha256(data);
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

std::string AuthenticatorDataBytes(absl::string_view rp_id, uint8_t flags, uint32_t sign_count,
                                   absl::string_view credential_id, absl::string_view cose_key) {
  std::string out = Sha256Bytes(rp_id);
  out.push_back(static_cast<char>(flags));
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((sign_count >> shift) & 0xff));
  }
  if (!credential_id.empty()) {
    out.append(16, '\x42');  // aaguid
    out.push_back(static_cast<char>(credential_id.size() >> 8));
    out.push_back(static_cast<char>(credential_id.size() & 0xff));
    absl::StrAppend(&out, credential_id, cose_key);
  }
  return out;
}

std::string ClientDataJson(absl::string_view type, absl::string_view challenge,
                           absl::string_view origin, absl::string_view extra_members) {
  return absl::StrCat(R"({"type":")", type, R"(","challenge":")",
                      token::internal::Base64UrlEncode(challenge), R"(","origin":")", origin,
                      R"(")", extra_members, "}");
}

std::string AttestationObject(absl::string_view auth_data, absl::string_view fmt) {
  return CborMap(3, absl::StrCat(CborText("fmt"), CborText(fmt), CborText("attStmt"),
                                 CborMap(0, ""), CborText("authData"), CborBytes(auth_data)));
}

}  // namespace auth::webauthn::testing
