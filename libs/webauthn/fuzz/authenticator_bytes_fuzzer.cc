// Fuzzes the binary WebAuthn inputs: strict CBOR (libcbor behind our structure check), COSE
// keys, authenticator data and attestation objects. Beyond the sanitizers it checks that what
// parses is consistent: a whole item is its own prefix, a parsed key reads back from its stored
// form, and credential ids stay within 1 to 1023 bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/webauthn/authenticator_data.h"
#include "libs/webauthn/cbor.h"
#include "libs/webauthn/cose_key.h"
#include "libs/webauthn/relying_party.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace webauthn = ::auth::webauthn;
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<webauthn::CborItem> item = webauthn::DecodeCbor(bytes, 1 << 16);
  if (item.ok()) {
    absl::StatusOr<webauthn::CborPrefix> prefix = webauthn::DecodeCborPrefix(bytes, 1 << 16);
    if (!prefix.ok() || prefix->bytes_read != size) std::abort();
    // Any decoded map may be offered as a COSE key.
    absl::StatusOr<webauthn::CosePublicKey> key = webauthn::CosePublicKey::FromCoseKey(item->get());
    if (key.ok() && !webauthn::CosePublicKey::FromSpkiDer(key->spki_der()).ok()) std::abort();
  }

  absl::StatusOr<webauthn::AuthenticatorData> parsed = webauthn::ParseAuthenticatorData(bytes);
  if (parsed.ok()) {
    if (parsed->rp_id_hash.size() != 32) std::abort();
    if (parsed->backup_state() && !parsed->backup_eligible()) std::abort();
    if (parsed->attested_credential.has_value()) {
      const size_t id_size = parsed->attested_credential->credential_id.size();
      if (id_size == 0 || id_size > webauthn::kMaxCredentialIdBytes) std::abort();
    }
  }

  // The same bytes as an attestation object; the client data is valid, so only the object's
  // parsing decides (the flags and rpIdHash checks then refuse nearly everything).
  const std::string challenge(32, 'c');
  const webauthn::Ceremony ceremony{"localhost", {"http://localhost:8080"}, challenge};
  (void)webauthn::VerifyRegistration(
      ceremony, bytes,
      R"({"type":"webauthn.create","challenge":"Y2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2M",)"
      R"("origin":"http://localhost:8080"})");
  return 0;
}
