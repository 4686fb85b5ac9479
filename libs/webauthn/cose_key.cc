#include "libs/webauthn/cose_key.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/webauthn/cbor.h"

namespace auth::webauthn {
namespace {

// COSE_Key labels and values (RFC 9052 section 7, RFC 9053 section 7).
constexpr int64_t kLabelKty = 1;
constexpr int64_t kLabelAlg = 3;
constexpr int64_t kLabelCrv = -1;
constexpr int64_t kLabelX = -2;
constexpr int64_t kLabelY = -3;
constexpr int64_t kLabelPrivate = -4;
constexpr int64_t kKtyOkp = 1;
constexpr int64_t kKtyEc2 = 2;
constexpr int64_t kCrvP256 = 1;
constexpr int64_t kCrvEd25519 = 6;
constexpr size_t kCoordinateBytes = 32;

// The fixed SubjectPublicKeyInfo headers of the two key types; the key bytes follow. Building
// the DER by hand keeps one code path for OpenSSL and BoringSSL (d2i_PUBKEY in both), and
// d2i_PUBKEY checks that an EC point lies on the curve.
constexpr absl::string_view kP256SpkiPrefix(
    "\x30\x59\x30\x13\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x08\x2a\x86\x48\xce\x3d\x03\x01"
    "\x07\x03\x42\x00\x04",
    27);
constexpr absl::string_view kEd25519SpkiPrefix("\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00",
                                               12);

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("COSE key: ", what));
}

absl::StatusOr<int64_t> RequiredInt(const cbor_item_t* map, int64_t label, absl::string_view name) {
  absl::StatusOr<const cbor_item_t*> item = MapFindInt(map, label);
  if (!item.ok()) return item.status();
  if (*item == nullptr) return Invalid(absl::StrCat("missing ", name));
  absl::StatusOr<int64_t> value = CborInt(*item);
  if (!value.ok()) return Invalid(absl::StrCat(name, " is not an integer"));
  return value;
}

absl::StatusOr<std::string> Coordinate(const cbor_item_t* map, int64_t label,
                                       absl::string_view name) {
  absl::StatusOr<const cbor_item_t*> item = MapFindInt(map, label);
  if (!item.ok()) return item.status();
  if (*item == nullptr) return Invalid(absl::StrCat("missing ", name));
  absl::StatusOr<std::string> bytes = CborBytes(*item);
  if (!bytes.ok() || bytes->size() != kCoordinateBytes) {
    return Invalid(absl::StrCat(name, " must be a ", kCoordinateBytes, "-byte string"));
  }
  return bytes;
}

}  // namespace

absl::StatusOr<CosePublicKey> CosePublicKey::FromCoseKey(const cbor_item_t* cose_key) {
  if (!cbor_isa_map(cose_key)) return Invalid("not a map");
  absl::StatusOr<const cbor_item_t*> private_part = MapFindInt(cose_key, kLabelPrivate);
  if (!private_part.ok()) return private_part.status();
  if (*private_part != nullptr) return Invalid("carries a private key");
  absl::StatusOr<int64_t> kty = RequiredInt(cose_key, kLabelKty, "kty");
  if (!kty.ok()) return kty.status();
  absl::StatusOr<int64_t> alg = RequiredInt(cose_key, kLabelAlg, "alg");
  if (!alg.ok()) return alg.status();
  absl::StatusOr<int64_t> crv = RequiredInt(cose_key, kLabelCrv, "crv");
  if (!crv.ok()) return crv.status();
  absl::StatusOr<std::string> x = Coordinate(cose_key, kLabelX, "x");
  if (!x.ok()) return x.status();

  if (*alg == static_cast<int64_t>(CoseAlgorithm::kEs256)) {
    if (*kty != kKtyEc2 || *crv != kCrvP256) return Invalid("ES256 needs kty 2 (EC2), crv 1");
    absl::StatusOr<std::string> y = Coordinate(cose_key, kLabelY, "y");
    if (!y.ok()) return y.status();
    return FromSpkiDer(absl::StrCat(kP256SpkiPrefix, *x, *y));
  }
  if (*alg == static_cast<int64_t>(CoseAlgorithm::kEdDsa)) {
    if (*kty != kKtyOkp || *crv != kCrvEd25519) return Invalid("EdDSA needs kty 1 (OKP), crv 6");
    return FromSpkiDer(absl::StrCat(kEd25519SpkiPrefix, *x));
  }
  return Invalid(absl::StrCat("unsupported algorithm ", *alg, " (only -7 and -8)"));
}

absl::StatusOr<CosePublicKey> CosePublicKey::FromSpkiDer(absl::string_view spki_der) {
  CoseAlgorithm algorithm;
  if (spki_der.size() == kP256SpkiPrefix.size() + 2 * kCoordinateBytes &&
      absl::StartsWith(spki_der, kP256SpkiPrefix)) {
    algorithm = CoseAlgorithm::kEs256;
  } else if (spki_der.size() == kEd25519SpkiPrefix.size() + kCoordinateBytes &&
             absl::StartsWith(spki_der, kEd25519SpkiPrefix)) {
    algorithm = CoseAlgorithm::kEdDsa;
  } else {
    return Invalid("not a P-256 or Ed25519 public key");
  }
  const auto* der = reinterpret_cast<const unsigned char*>(spki_der.data());
  std::shared_ptr<EVP_PKEY> key(d2i_PUBKEY(nullptr, &der, static_cast<long>(spki_der.size())),
                                KeyFree());
  if (key == nullptr) {
    // Leave no error on the thread's queue for unrelated OpenSSL callers to find.
    ERR_clear_error();
    return Invalid("not a valid public key");
  }
  return CosePublicKey(algorithm, std::string(spki_der), std::move(key));
}

absl::Status CosePublicKey::Verify(absl::string_view message, absl::string_view signature) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  &EVP_MD_CTX_free);
  if (context == nullptr) return absl::InternalError("EVP_MD_CTX_new failed");
  // Ed25519 hashes internally and takes no digest.
  const EVP_MD* digest = algorithm_ == CoseAlgorithm::kEs256 ? EVP_sha256() : nullptr;
  if (EVP_DigestVerifyInit(context.get(), nullptr, digest, nullptr, key_.get()) != 1) {
    return absl::InternalError("EVP_DigestVerifyInit failed");
  }
  const int verified = EVP_DigestVerify(
      context.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(message.data()), message.size());
  if (verified != 1) {
    ERR_clear_error();
    return absl::UnauthenticatedError("signature does not verify");
  }
  return absl::OkStatus();
}

}  // namespace auth::webauthn
