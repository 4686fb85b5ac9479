// Input validation for AuthService requests.
//
//   absl::StatusOr<Registration> registration = ValidateRegisterRequest(request);
//   if (!registration.ok()) return registration.status();  // kInvalidArgument naming the field
//
// Every error is kInvalidArgument with a message that names the offending field and says what
// is wrong with it. Messages never echo a submitted value: a password is a secret, and echoing
// anything else would put user input into logs.
#ifndef SERVICES_AUTH_ACCOUNT_VALIDATION_H_
#define SERVICES_AUTH_ACCOUNT_VALIDATION_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/auth/v1/auth.pb.h"

namespace auth::service {

inline constexpr size_t kMinUsernameBytes = 3;
inline constexpr size_t kMaxUsernameBytes = 32;
inline constexpr size_t kMaxEmailBytes = 254;
inline constexpr size_t kMaxEmailLocalPartBytes = 64;
inline constexpr size_t kMinPasswordBytes = 8;
inline constexpr size_t kMaxPasswordBytes = 1024;

// 3-32 characters of [A-Za-z0-9_.-].
absl::Status ValidateUsername(absl::string_view username);

// Returns the email lowercased, so lookups and uniqueness are case-insensitive. Accepts a
// dot-atom local part (RFC 5322) and a domain of letters, digits and hyphens with a dot.
absl::StatusOr<std::string> NormalizeEmail(absl::string_view email);

// E.164: '+' then 7-15 digits, the first not 0.
absl::Status ValidatePhoneNumber(absl::string_view phone_number);

// 8-1024 bytes. The client sends a digest, so the content is opaque to us.
absl::Status ValidatePassword(absl::string_view password);

// A RegisterRequest that passed validation, with the email normalised.
struct Registration {
  std::string username;
  std::string email;
  std::optional<std::string> phone_number;
};
absl::StatusOr<Registration> ValidateRegisterRequest(const auth::v1::RegisterRequest& request);

// Who is logging in: exactly one of email (normalised) or phone number.
struct LoginIdentity {
  enum class Kind { kEmail, kPhoneNumber };
  Kind kind;
  std::string value;
};
absl::StatusOr<LoginIdentity> ValidateLoginRequest(const auth::v1::LoginRequest& request);

}  // namespace auth::service

#endif  // SERVICES_AUTH_ACCOUNT_VALIDATION_H_
