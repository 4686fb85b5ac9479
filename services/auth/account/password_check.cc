// CheckPassword; see password_check.h.
#include "services/auth/account/password_check.h"

#include "absl/status/statusor.h"
#include "glog/logging.h"

namespace auth::service {

absl::Status CheckPassword(const hashing::PasswordHasher& hasher, absl::string_view password_hash,
                           const repository::User& user) {
  absl::StatusOr<bool> match = hasher.Verify(password_hash, user.password_hash);
  if (!match.ok()) {
    LOG(ERROR) << "stored password hash of user " << user.id
               << " cannot be verified: " << match.status().code();
    return absl::InternalError("stored credentials unreadable");
  }
  if (!*match) return absl::UnauthenticatedError(kWrongPasswordMessage);
  return absl::OkStatus();
}

}  // namespace auth::service
