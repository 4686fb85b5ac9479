// UserRepository: the accounts table.
//
//   absl::StatusOr<int64_t> id = users->Create({.username = "alice", .email = "a@x.org",
//                                               .password_hash = phc});
//   absl::StatusOr<User> user = users->FindByEmail("a@x.org");
//
// Errors: kNotFound (no such user), kAlreadyExists (message names the field: "username",
// "email" or "phone_number"), kUnavailable (database unreachable), kInternal (anything else).
// Messages never contain SQL error text or the password hash.
#ifndef LIBS_REPOSITORY_USER_REPOSITORY_H_
#define LIBS_REPOSITORY_USER_REPOSITORY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace auth::repository {

struct NewUser {
  std::string username;
  std::string email;  // already normalised (lowercased) by the caller
  std::optional<std::string> phone_number;
  std::string password_hash;  // the encoded (PHC) hash, never a password
};

struct User {
  int64_t id = 0;
  std::string username;
  std::string email;
  std::optional<std::string> phone_number;
  std::string password_hash;
  absl::Time created_at;
  absl::Time updated_at;
  // The address was proven through a mailed link (AccountTokenRepository::VerifyEmail).
  bool email_verified = false;
  // The account has a confirmed TOTP second factor (SecondFactorRepository): Login asks for a
  // code. Read with the row, so Login's branch costs no extra round trip.
  bool totp_enabled = false;
};

class UserRepository {
 public:
  virtual ~UserRepository() = default;

  // Inserts a user and returns its id.
  virtual absl::StatusOr<int64_t> Create(const NewUser& user) = 0;

  virtual absl::StatusOr<User> FindById(int64_t id) = 0;
  // Email comparison is case-insensitive.
  virtual absl::StatusOr<User> FindByEmail(absl::string_view email) = 0;
  virtual absl::StatusOr<User> FindByPhone(absl::string_view phone_number) = 0;

  // Replaces the stored hash (after a parameter upgrade). kNotFound if there is no such user.
  virtual absl::Status UpdatePasswordHash(int64_t id, absl::string_view password_hash) = 0;
};

}  // namespace auth::repository

#endif  // LIBS_REPOSITORY_USER_REPOSITORY_H_
