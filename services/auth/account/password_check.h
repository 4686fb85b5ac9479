// CheckPassword: the one way a presented password is checked against an account's stored hash,
// by Login and by every signed-in step that asks for the password again (ChangePassword, TOTP
// enrolment and disabling, passkey registration and deletion), so that all of them answer a
// wrong password and an unreadable stored hash alike. Runs the hash: hashing executor.
//
//   const absl::Status password = CheckPassword(*hasher, request->password_hash(), user);
//   if (absl::IsUnauthenticated(password)) audit_log->RecordEvent(...);  // a wrong password
//   if (!password.ok()) return call->Finish(password);
#ifndef SERVICES_AUTH_ACCOUNT_PASSWORD_CHECK_H_
#define SERVICES_AUTH_ACCOUNT_PASSWORD_CHECK_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "libs/hashing/password_hasher.h"
#include "libs/repository/user_repository.h"

namespace auth::service {

// A wrong password's message, wherever a password is asked for.
inline constexpr char kWrongPasswordMessage[] = "wrong password";

// OK if `password_hash` (the client's digest) matches `user`'s stored hash; kUnauthenticated
// kWrongPasswordMessage if not; kInternal "stored credentials unreadable" if the stored hash
// cannot be verified (our data is broken, not the caller's input: logged with the user's id,
// never a hash).
absl::Status CheckPassword(const hashing::PasswordHasher& hasher, absl::string_view password_hash,
                           const repository::User& user);

}  // namespace auth::service

#endif  // SERVICES_AUTH_ACCOUNT_PASSWORD_CHECK_H_
