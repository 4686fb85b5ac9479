// PasswordHasher: turns a password into a storable, self-describing hash and checks it.
//
//   std::unique_ptr<PasswordHasher> hasher = ...;  // e.g. Argon2PasswordHasher
//   absl::StatusOr<std::string> stored = hasher->Hash(password);
//   absl::StatusOr<bool> match = hasher->Verify(password, *stored);
//   if (*match && hasher->NeedsRehash(*stored)) { /* store hasher->Hash(password) */ }
//
// Implementations are synchronous and thread-compatible const objects: one call, one hash, on
// the caller's thread. Callers decide where the (deliberately expensive) work runs.
#ifndef LIBS_HASHING_PASSWORD_HASHER_H_
#define LIBS_HASHING_PASSWORD_HASHER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::hashing {

class PasswordHasher {
 public:
  virtual ~PasswordHasher() = default;

  // Hashes `password` with a fresh random salt; returns the encoded (PHC) string.
  virtual absl::StatusOr<std::string> Hash(absl::string_view password) const = 0;

  // True if `password` matches `encoded`, false if it does not. A malformed or unsupported
  // `encoded` is an error (kInvalidArgument), never a match.
  virtual absl::StatusOr<bool> Verify(absl::string_view password,
                                      absl::string_view encoded) const = 0;

  // True if `encoded` was made with other parameters than the configured ones (or cannot be
  // parsed), so the caller should store a fresh Hash() after a successful Verify().
  virtual bool NeedsRehash(absl::string_view encoded) const = 0;
};

}  // namespace auth::hashing

#endif  // LIBS_HASHING_PASSWORD_HASHER_H_
