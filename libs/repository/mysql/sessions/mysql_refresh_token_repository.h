// MysqlRefreshTokenRepository: RefreshTokenRepository over the `refresh_tokens` and `sessions`
// tables (see ../schema/migrations/), each method one transaction on one pooled connection.
//
//   MysqlRefreshTokenRepository refresh_tokens(pool);
//   absl::StatusOr<RotationOutcome> outcome = refresh_tokens.Rotate(digest, absl::ZeroDuration(),
//       [&](const RefreshToken& presented) -> absl::StatusOr<SessionGrant> { ... });
//
// Rotate() reads the presented token with SELECT ... FOR UPDATE, so concurrent rotations of
// one token are serialised: the first rotates it, every later one finds it rotated (reuse).
// "Now" comes from the application's clock (injectable for tests), as in
// MysqlSessionRepository.
#ifndef LIBS_REPOSITORY_MYSQL_SESSIONS_MYSQL_REFRESH_TOKEN_REPOSITORY_H_
#define LIBS_REPOSITORY_MYSQL_SESSIONS_MYSQL_REFRESH_TOKEN_REPOSITORY_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/mysql/connection_pool.h"
#include "libs/repository/refresh_token_repository.h"

namespace auth::mysql_repository {

class MysqlRefreshTokenRepository : public repository::RefreshTokenRepository {
 public:
  // `pool` must outlive the repository.
  explicit MysqlRefreshTokenRepository(mysql::ConnectionPool& pool,
                                       std::function<absl::Time()> clock = absl::Now)
      : pool_(pool), clock_(std::move(clock)) {}

  // kAlreadyExists "jti already taken" if the session's jti (or the token) is already stored;
  // kInternal if the user does not exist or the token is not the session's.
  absl::Status Create(const repository::SessionGrant& grant,
                      const repository::AttemptSettlement& settlement) override;
  using repository::RefreshTokenRepository::Rotate;  // the overload without an owner
  absl::StatusOr<repository::RotationOutcome> Rotate(absl::string_view token_hash,
                                                     absl::Duration reuse_grace,
                                                     const GrantFn& grant,
                                                     repository::TokenOwner* owner) override;
  absl::Status RevokeSessionFamily(absl::string_view session_jti) override;
  absl::StatusOr<int64_t> RevokeAllForUser(int64_t user_id) override;
  absl::StatusOr<repository::LogoutResults> LogoutMany(
      const std::vector<repository::LogoutRequest>& requests) override;
  absl::StatusOr<int64_t> LogoutWithRefreshToken(absl::string_view token_hash, int64_t user_id,
                                                 bool current_session_only) override;
  absl::StatusOr<bool> IsUnused(absl::string_view token_hash) override;
  // In mysql_password_change.cc. The users row is updated first: it serialises the changes of
  // one user before any refresh_tokens or sessions row is locked.
  absl::StatusOr<int64_t> ChangePassword(const repository::PasswordChange& change,
                                         const repository::AttemptSettlement& settlement) override;
  absl::StatusOr<int64_t> DeleteExpired(absl::Time now) override;

 private:
  // LogoutMany() for at most kMaxInListSize requests: one transaction.
  absl::StatusOr<repository::LogoutResults> LogoutChunk(const repository::LogoutRequest* requests,
                                                        size_t count);

  mysql::ConnectionPool& pool_;
  const std::function<absl::Time()> clock_;
};

}  // namespace auth::mysql_repository

#endif  // LIBS_REPOSITORY_MYSQL_SESSIONS_MYSQL_REFRESH_TOKEN_REPOSITORY_H_
