// PasskeyRepository: WebAuthn passkeys, the accounts' random user handles and the ceremonies
// (a registration or a sign-in under way, with its challenge) that register and use them.
//
//   ASSIGN_OR_RETURN(std::string handle, repository->UserHandleOf(user_id, NewRandomBytes()));
//   RETURN_IF_ERROR(repository->CreateCeremony({id, kRegistration, user_id, challenge, end}));
//   ... the browser answers:
//   ASSIGN_OR_RETURN(WebauthnCeremony ceremony, repository->SpendCeremony(id, kRegistration));
//   ... verify, then repository->Add(passkey);
//
// A ceremony is spent by one conditional UPDATE before anything is checked, so whatever the
// outcome an answer can be tried against it once only. The signature counter of a sign-in is
// not updated here: it is compare-and-swapped in the transaction that opens the session
// (refresh_token_repository.h, CredentialSpend).
//
// Challenges and public keys are not secrets, but no implementation logs them, credential ids
// or handles either.
//
// Errors: kInvalidArgument (a malformed argument), kNotFound, kAlreadyExists (a credential id
// registered already), kFailedPrecondition (the last passkey without the password),
// kUnavailable, kInternal.
#ifndef LIBS_REPOSITORY_PASSKEY_REPOSITORY_H_
#define LIBS_REPOSITORY_PASSKEY_REPOSITORY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace auth::repository {

// What a ceremony may finish; one of one kind is never accepted for the other.
enum class CeremonyKind : int { kRegistration = 1, kSignIn = 2 };

struct WebauthnCeremony {
  std::string ceremony_id;  // 43 base64url characters (32 random bytes)
  CeremonyKind kind = CeremonyKind::kRegistration;
  int64_t user_id = 0;    // 0: a sign-in that named no account (discoverable credentials)
  std::string challenge;  // raw bytes, 16-64
  absl::Time expires_at;
};

struct StoredPasskey {
  std::string passkey_id;  // 22 base64url characters (16 random bytes): its public name
  int64_t user_id = 0;
  std::string credential_id;  // raw, 1-1023 bytes, unique across accounts
  std::string public_key;     // SubjectPublicKeyInfo DER
  int algorithm = 0;          // COSE: -7 ES256, -8 EdDSA
  uint32_t sign_count = 0;
  bool backup_eligible = false;
  bool backed_up = false;
  std::string name;  // the user's label, 1-64 characters
  // Set by the repository on reads (Add() stores "now" as created_at).
  absl::Time created_at = absl::InfinitePast();
  absl::Time last_used_at = absl::InfinitePast();  // InfinitePast: never used
};

class PasskeyRepository {
 public:
  virtual ~PasskeyRepository() = default;

  // The account's user handle; if it has none yet, `candidate` (32 random bytes) becomes it.
  // Two racing calls get the same handle.
  virtual absl::StatusOr<std::string> UserHandleOf(int64_t user_id,
                                                   absl::string_view candidate) = 0;

  // The account whose user handle this is; kNotFound if none.
  virtual absl::StatusOr<int64_t> FindUserByHandle(absl::string_view user_handle) = 0;

  virtual absl::Status CreateCeremony(const WebauthnCeremony& ceremony) = 0;

  // Marks the ceremony spent and returns it, if it is live (unspent, unexpired) and of `kind`;
  // else kNotFound and nothing changes. One conditional UPDATE: of racing calls, one wins.
  virtual absl::StatusOr<WebauthnCeremony> SpendCeremony(absl::string_view ceremony_id,
                                                         CeremonyKind kind) = 0;

  // Stores a new passkey; kAlreadyExists if its credential id (any account's) or passkey id is
  // taken.
  virtual absl::Status Add(const StoredPasskey& passkey) = 0;

  // The account's passkeys, oldest first.
  virtual absl::StatusOr<std::vector<StoredPasskey>> ListOf(int64_t user_id) = 0;

  // The passkey with this credential id; kNotFound if none.
  virtual absl::StatusOr<StoredPasskey> FindByCredentialId(absl::string_view credential_id) = 0;

  // Deletes the account's passkey `passkey_id`: kNotFound if the account has none by that id;
  // kFailedPrecondition if it is the account's last one and !password_checked (a stolen
  // session alone must not strip an account of its last passkey).
  virtual absl::Status Delete(int64_t user_id, absl::string_view passkey_id,
                              bool password_checked) = 0;

  virtual absl::StatusOr<int64_t> CountOf(int64_t user_id) = 0;
};

}  // namespace auth::repository

#endif  // LIBS_REPOSITORY_PASSKEY_REPOSITORY_H_
