// The public names the passkey handlers make, and the user's label for a passkey.
#ifndef SERVICES_AUTH_PASSKEY_PASSKEY_NAMES_H_
#define SERVICES_AUTH_PASSKEY_PASSKEY_NAMES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::service {

// A ceremony's id: 32 random bytes, base64url (43 characters).
absl::StatusOr<std::string> NewCeremonyId();
// A passkey's id: 16 random bytes, base64url (22 characters).
absl::StatusOr<std::string> NewPasskeyId();

// kInvalidArgument unless `name` is valid UTF-8 of 1-64 characters (code points) with no
// control character.
absl::Status ValidatePasskeyName(absl::string_view name);

}  // namespace auth::service

#endif  // SERVICES_AUTH_PASSKEY_PASSKEY_NAMES_H_
