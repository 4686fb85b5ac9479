// Authenticator data (WebAuthn Level 3 section 6.1), parsed with exact length accounting:
//
//   rpIdHash (32) | flags (1) | signCount (4, big-endian)
//   [attested credential data, if AT: aaguid (16) | credentialIdLength (2) | credentialId |
//    credentialPublicKey (COSE_Key CBOR)]
//   [extensions (a CBOR map), if ED]
//
// kInvalidArgument for anything short, left over after the last part, a credential id over
// 1023 bytes, an unsupported key, or BS (backup state) set without BE (backup eligible).
#ifndef LIBS_WEBAUTHN_AUTHENTICATOR_DATA_H_
#define LIBS_WEBAUTHN_AUTHENTICATOR_DATA_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/webauthn/cose_key.h"

namespace auth::webauthn {

// WebAuthn caps credential ids at 1023 bytes (section 5.8.3 and credentialIdLength).
inline constexpr size_t kMaxCredentialIdBytes = 1023;
// Far above any real authenticator data (a key of tens of bytes plus small extensions).
inline constexpr size_t kMaxAuthenticatorDataBytes = 4096;

// Flag bits of authenticator data.
inline constexpr uint8_t kFlagUserPresent = 0x01;
inline constexpr uint8_t kFlagUserVerified = 0x04;
inline constexpr uint8_t kFlagBackupEligible = 0x08;
inline constexpr uint8_t kFlagBackupState = 0x10;
inline constexpr uint8_t kFlagAttestedCredentialData = 0x40;
inline constexpr uint8_t kFlagExtensionData = 0x80;

struct AttestedCredential {
  std::string aaguid;         // 16 bytes
  std::string credential_id;  // 1 to kMaxCredentialIdBytes bytes
  CosePublicKey public_key;
};

struct AuthenticatorData {
  std::string rp_id_hash;  // 32 bytes: SHA-256 of the RP ID the authenticator used
  uint8_t flags = 0;
  uint32_t sign_count = 0;
  std::optional<AttestedCredential> attested_credential;  // present iff AT
  std::string extensions;                                 // the raw CBOR map if ED, else empty

  bool user_present() const { return flags & kFlagUserPresent; }
  bool user_verified() const { return flags & kFlagUserVerified; }
  bool backup_eligible() const { return flags & kFlagBackupEligible; }
  bool backup_state() const { return flags & kFlagBackupState; }
};

absl::StatusOr<AuthenticatorData> ParseAuthenticatorData(absl::string_view bytes);

}  // namespace auth::webauthn

#endif  // LIBS_WEBAUTHN_AUTHENTICATOR_DATA_H_
