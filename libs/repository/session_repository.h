// SessionRepository: server-side sessions, one per issued access token.
//
//   sessions->Create({.jti = claims.jwt_id, .user_id = 42, .expires_at = claims.expires_at,
//                     .token_hash = Sha256Hex(token), .client_address = peer});
//   absl::StatusOr<Session> active = sessions->FindActive(jti);  // kNotFound once revoked
//
// Errors as UserRepository: kNotFound, kAlreadyExists ("jti"), kUnavailable, kInternal.
#ifndef LIBS_REPOSITORY_SESSION_REPOSITORY_H_
#define LIBS_REPOSITORY_SESSION_REPOSITORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace auth::repository {

struct Session {
  std::string jti;  // the token's jti claim: the session id
  int64_t user_id = 0;
  absl::Time expires_at;
  std::string token_hash;  // a digest of the token, never the token
  std::string client_address;
  absl::Time created_at;  // set by Create()
  std::optional<absl::Time> revoked_at;
};

class SessionRepository {
 public:
  virtual ~SessionRepository() = default;

  virtual absl::Status Create(const Session& session) = 0;

  // The session `jti` if it exists, is not revoked and has not expired; else kNotFound.
  virtual absl::StatusOr<Session> FindActive(absl::string_view jti) = 0;

  // The active sessions among `jtis` (as FindActive() would find them), in no particular
  // order; unknown, revoked and expired ones are left out. One query answers many concurrent
  // validations.
  virtual absl::StatusOr<std::vector<Session>> FindActiveMany(
      const std::vector<std::string>& jtis) = 0;

  // Revokes one session. kNotFound if there is no active session `jti`.
  virtual absl::Status Revoke(absl::string_view jti) = 0;

  // Revokes every active session of `user_id`; returns how many were revoked.
  virtual absl::StatusOr<int64_t> RevokeAllForUser(int64_t user_id) = 0;

  // Deletes sessions that expired before `now`; returns how many were deleted.
  virtual absl::StatusOr<int64_t> DeleteExpired(absl::Time now) = 0;
};

}  // namespace auth::repository

#endif  // LIBS_REPOSITORY_SESSION_REPOSITORY_H_
