// The browser's PublicKeyCredential.toJSON() (WebAuthn Level 3, section 5.1), as
// FinishPasskeyRegistration and FinishPasskeyLogin receive it in credential_json: the members
// the relying party checks, base64url-decoded. Anything else in it (clientExtensionResults,
// authenticatorAttachment, transports, publicKey) is ignored: the verified bytes are the
// attestation object and the authenticator data, not their copies.
#ifndef SERVICES_AUTH_PASSKEY_CREDENTIAL_JSON_H_
#define SERVICES_AUTH_PASSKEY_CREDENTIAL_JSON_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::service {

// credential_json's limit (the proto's): well above a real credential's few hundred bytes.
inline constexpr size_t kMaxCredentialJsonBytes = 16 * 1024;

// RegistrationResponseJSON.
struct RegistrationResponse {
  std::string credential_id;  // rawId
  std::string client_data_json;
  std::string attestation_object;
};

// AuthenticationResponseJSON.
struct AuthenticationResponse {
  std::string credential_id;  // rawId
  std::string client_data_json;
  std::string authenticator_data;
  std::string signature;
  std::string user_handle;  // empty if the authenticator gave none
};

// kInvalidArgument ("credential_json is not a RegistrationResponseJSON", ...) for anything
// malformed: not JSON, over the limit, type not "public-key", id and rawId differing, a member
// missing or not base64url.
absl::StatusOr<RegistrationResponse> ParseRegistrationResponse(absl::string_view json);
absl::StatusOr<AuthenticationResponse> ParseAuthenticationResponse(absl::string_view json);

}  // namespace auth::service

#endif  // SERVICES_AUTH_PASSKEY_CREDENTIAL_JSON_H_
