#include "libs/webauthn/relying_party.h"

#include <openssl/crypto.h>

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/crypto/sha256.h"
#include "libs/webauthn/authenticator_data.h"
#include "libs/webauthn/cbor.h"
#include "libs/webauthn/client_data.h"
#include "libs/webauthn/cose_key.h"

namespace auth::webauthn {
namespace {

constexpr absl::string_view kPossibleClonePayload = "auth.webauthn/possible-clone";

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("attestation object: ", what));
}

std::string Sha256Bytes(absl::string_view data) {
  const crypto::Sha256Digest digest = crypto::Sha256(data);
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

// The checks both ceremonies make on authenticator data.
absl::Status CheckAuthenticatorData(const AuthenticatorData& data, absl::string_view rp_id) {
  const std::string expected_hash = Sha256Bytes(rp_id);
  if (CRYPTO_memcmp(data.rp_id_hash.data(), expected_hash.data(), expected_hash.size()) != 0) {
    return absl::UnauthenticatedError("authenticator data: rpIdHash is not this relying party's");
  }
  if (!data.user_present()) return absl::UnauthenticatedError("user presence (UP) not set");
  if (!data.user_verified()) return absl::UnauthenticatedError("user verification (UV) not set");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RegisteredCredential> VerifyRegistration(const Ceremony& ceremony,
                                                        absl::string_view attestation_object,
                                                        absl::string_view client_data_json) {
  if (absl::Status s = VerifyClientData(
          client_data_json, {CeremonyType::kCreate, ceremony.challenge, ceremony.origins});
      !s.ok()) {
    return s;
  }
  absl::StatusOr<CborItem> object = DecodeCbor(attestation_object, kMaxAttestationObjectBytes);
  if (!object.ok()) return object.status();
  absl::StatusOr<const cbor_item_t*> fmt = MapFindText(object->get(), "fmt");
  if (!fmt.ok()) return Invalid("not a map");
  if (*fmt == nullptr || !CborText(*fmt).ok()) return Invalid("fmt missing or not text");
  absl::StatusOr<const cbor_item_t*> statement = MapFindText(object->get(), "attStmt");
  if (!statement.ok() || *statement == nullptr || !cbor_isa_map(*statement)) {
    return Invalid("attStmt missing or not a map");
  }
  absl::StatusOr<const cbor_item_t*> auth_data_item = MapFindText(object->get(), "authData");
  if (!auth_data_item.ok() || *auth_data_item == nullptr) return Invalid("authData missing");
  absl::StatusOr<std::string> auth_data_bytes = CborBytes(*auth_data_item);
  if (!auth_data_bytes.ok()) return Invalid("authData is not a byte string");

  absl::StatusOr<AuthenticatorData> data = ParseAuthenticatorData(*auth_data_bytes);
  if (!data.ok()) return data.status();
  if (absl::Status s = CheckAuthenticatorData(*data, ceremony.rp_id); !s.ok()) return s;
  if (!data->attested_credential.has_value()) {
    return absl::InvalidArgumentError("authenticator data: no attested credential (AT unset)");
  }
  AttestedCredential& attested = *data->attested_credential;
  return RegisteredCredential{std::move(attested.credential_id), std::move(attested.public_key),
                              data->sign_count, data->backup_eligible(), data->backup_state()};
}

absl::StatusOr<uint32_t> VerifyAssertion(const Ceremony& ceremony, const StoredCredential& stored,
                                         absl::string_view authenticator_data,
                                         absl::string_view client_data_json,
                                         absl::string_view signature) {
  if (absl::Status s = VerifyClientData(client_data_json,
                                        {CeremonyType::kGet, ceremony.challenge, ceremony.origins});
      !s.ok()) {
    return s;
  }
  absl::StatusOr<AuthenticatorData> data = ParseAuthenticatorData(authenticator_data);
  if (!data.ok()) return data.status();
  if (data->attested_credential.has_value()) {
    return absl::InvalidArgumentError("authenticator data: AT set in an assertion");
  }
  if (absl::Status s = CheckAuthenticatorData(*data, ceremony.rp_id); !s.ok()) return s;
  const std::string signed_bytes = absl::StrCat(authenticator_data, Sha256Bytes(client_data_json));
  if (absl::Status s = stored.public_key.Verify(signed_bytes, signature); !s.ok()) return s;

  if ((stored.sign_count != 0 || data->sign_count != 0) && data->sign_count <= stored.sign_count) {
    absl::Status clone = absl::UnauthenticatedError(
        absl::StrCat("signCount ", data->sign_count, " does not exceed the stored ",
                     stored.sign_count, ": possible cloned authenticator"));
    clone.SetPayload(kPossibleClonePayload, absl::Cord("1"));
    return clone;
  }
  return data->sign_count;
}

bool IsPossibleClone(const absl::Status& status) {
  return status.GetPayload(kPossibleClonePayload).has_value();
}

}  // namespace auth::webauthn
