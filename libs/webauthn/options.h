// The options a page hands to navigator.credentials.create() / .get(), as the WebAuthn Level 3
// JSON forms (PublicKeyCredentialCreationOptionsJSON, section 5.4, and
// PublicKeyCredentialRequestOptionsJSON, section 5.5; binary members base64url), and the random
// values they carry:
//
//   absl::StatusOr<std::string> challenge = NewRandomBytes();   // store it with the ceremony
//   CreationOptions options;  // rp, user (random handle), challenge, excluded credential ids
//   std::string json = CreationOptionsJson(options);
//
// The policy is fixed: a discoverable credential (residentKey "required"), user verification
// "required", attestation "none", EdDSA then ES256.
#ifndef LIBS_WEBAUTHN_OPTIONS_H_
#define LIBS_WEBAUTHN_OPTIONS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace auth::webauthn {

// Challenges and user handles: 32 bytes from the CSPRNG.
inline constexpr size_t kRandomValueBytes = 32;

// `size` bytes from the CSPRNG (RAND_bytes); kInternal if it fails. A user handle made this way
// says nothing about the user (never the email, username or numeric id).
absl::StatusOr<std::string> NewRandomBytes(size_t size = kRandomValueBytes);

struct CreationOptions {
  std::string rp_id;
  std::string rp_name;
  std::string user_handle;  // raw bytes (random, see NewRandomBytes)
  std::string user_name;
  std::string user_display_name;
  std::string challenge;  // raw bytes
  absl::Duration timeout = absl::Minutes(5);
  std::vector<std::string> exclude_credential_ids;  // raw ids already registered for the user
};

struct RequestOptions {
  std::string rp_id;
  std::string challenge;  // raw bytes
  absl::Duration timeout = absl::Minutes(5);
  std::vector<std::string> allow_credential_ids;  // empty: discoverable credentials
};

std::string CreationOptionsJson(const CreationOptions& options);
std::string RequestOptionsJson(const RequestOptions& options);

}  // namespace auth::webauthn

#endif  // LIBS_WEBAUTHN_OPTIONS_H_
