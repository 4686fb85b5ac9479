// The relying party's two WebAuthn checks, over the building blocks beside it (client_data,
// authenticator_data, cose_key, cbor). A passkey handler supplies what it stored for the
// ceremony and what the browser sent (already base64url-decoded):
//
//   absl::StatusOr<RegisteredCredential> credential = VerifyRegistration(
//       {rp_id, origins, challenge}, attestation_object, client_data_json);
//   absl::StatusOr<uint32_t> new_count = VerifyAssertion(
//       {rp_id, origins, challenge}, stored, authenticator_data, client_data_json, signature);
//   if (IsPossibleClone(new_count.status())) audit(...);
//
// Both require user presence and user verification: a passkey stands for both factors only if
// the authenticator verified the user.
//
// Attestation: the relying party asks for "none" and trusts no attestation statement, so any
// fmt is accepted and its attStmt is ignored (never parsed beyond being well-formed CBOR).
// Refusing other formats would buy nothing, since nothing in the statement is relied upon, and
// would lock out authenticators that attest although asked not to.
//
// Errors: kInvalidArgument for malformed input; kUnauthenticated for well-formed input that
// does not prove what it must (signature, challenge, origin, type, rpIdHash, flags, counter).
#ifndef LIBS_WEBAUTHN_RELYING_PARTY_H_
#define LIBS_WEBAUTHN_RELYING_PARTY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/webauthn/cose_key.h"

namespace auth::webauthn {

// An attestation object holds authenticator data plus a statement (certificates for formats
// other than "none"); 64 KiB is well above any real one.
inline constexpr size_t kMaxAttestationObjectBytes = 64 * 1024;

struct Ceremony {
  std::string rp_id;                 // e.g. "example.com"
  std::vector<std::string> origins;  // exact allowed origins
  std::string challenge;             // the raw bytes issued for this ceremony
};

struct RegisteredCredential {
  std::string credential_id;
  CosePublicKey public_key;  // store public_key.spki_der()
  uint32_t sign_count = 0;
  bool backup_eligible = false;
  bool backed_up = false;
};

struct StoredCredential {
  CosePublicKey public_key;
  uint32_t sign_count = 0;
};

absl::StatusOr<RegisteredCredential> VerifyRegistration(const Ceremony& ceremony,
                                                        absl::string_view attestation_object,
                                                        absl::string_view client_data_json);

// Verifies an assertion by `stored`; returns the signCount to store (compare-and-swap).
// A counter that does not increase while either side is non-zero is kUnauthenticated marked
// as a possible clone (IsPossibleClone); 0 and 0 is normal for synced passkeys.
absl::StatusOr<uint32_t> VerifyAssertion(const Ceremony& ceremony, const StoredCredential& stored,
                                         absl::string_view authenticator_data,
                                         absl::string_view client_data_json,
                                         absl::string_view signature);

// True for the signCount refusal of VerifyAssertion, which the caller audits as a clone signal.
bool IsPossibleClone(const absl::Status& status);

}  // namespace auth::webauthn

#endif  // LIBS_WEBAUTHN_RELYING_PARTY_H_
