#include "libs/webauthn/authenticator_data.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/webauthn/cbor.h"
#include "libs/webauthn/cose_key.h"

namespace auth::webauthn {
namespace {

constexpr size_t kRpIdHashBytes = 32;
constexpr size_t kAaguidBytes = 16;
constexpr size_t kFixedPartBytes = kRpIdHashBytes + 1 + 4;

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("authenticator data: ", what));
}

uint32_t BigEndian(absl::string_view bytes) {
  uint32_t value = 0;
  for (char byte : bytes) value = (value << 8) | static_cast<unsigned char>(byte);
  return value;
}

}  // namespace

absl::StatusOr<AuthenticatorData> ParseAuthenticatorData(absl::string_view bytes) {
  if (bytes.size() > kMaxAuthenticatorDataBytes) return Invalid("too long");
  if (bytes.size() < kFixedPartBytes) return Invalid("too short");
  AuthenticatorData data;
  data.rp_id_hash = std::string(bytes.substr(0, kRpIdHashBytes));
  data.flags = static_cast<uint8_t>(bytes[kRpIdHashBytes]);
  data.sign_count = BigEndian(bytes.substr(kRpIdHashBytes + 1, 4));
  if (data.backup_state() && !data.backup_eligible()) {
    return Invalid("backup state set on a credential that is not backup eligible");
  }
  absl::string_view rest = bytes.substr(kFixedPartBytes);

  if (data.flags & kFlagAttestedCredentialData) {
    if (rest.size() < kAaguidBytes + 2) return Invalid("attested credential data truncated");
    const std::string aaguid(rest.substr(0, kAaguidBytes));
    const size_t id_length = BigEndian(rest.substr(kAaguidBytes, 2));
    rest.remove_prefix(kAaguidBytes + 2);
    if (id_length == 0 || id_length > kMaxCredentialIdBytes) {
      return Invalid(absl::StrCat("credential id length must be 1 to ", kMaxCredentialIdBytes));
    }
    if (rest.size() < id_length) return Invalid("credential id truncated");
    std::string credential_id(rest.substr(0, id_length));
    rest.remove_prefix(id_length);
    absl::StatusOr<CborPrefix> cose = DecodeCborPrefix(rest, kMaxAuthenticatorDataBytes);
    if (!cose.ok()) return cose.status();
    absl::StatusOr<CosePublicKey> key = CosePublicKey::FromCoseKey(cose->item.get());
    if (!key.ok()) return key.status();
    rest.remove_prefix(cose->bytes_read);
    data.attested_credential =
        AttestedCredential{aaguid, std::move(credential_id), *std::move(key)};
  }

  if (data.flags & kFlagExtensionData) {
    absl::StatusOr<CborItem> extensions = DecodeCbor(rest, kMaxAuthenticatorDataBytes);
    if (!extensions.ok()) return extensions.status();
    if (!cbor_isa_map(extensions->get())) return Invalid("extensions are not a map");
    data.extensions = std::string(rest);
    rest = {};
  }
  if (!rest.empty()) return Invalid("trailing bytes");
  return data;
}

}  // namespace auth::webauthn
