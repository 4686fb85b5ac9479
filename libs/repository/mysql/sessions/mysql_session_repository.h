// MysqlSessionRepository: SessionRepository over the `sessions` table (see ../schema/migrations/).
//
//   MysqlSessionRepository sessions(pool);
//   absl::Status created = sessions.Create({.jti = jti, .user_id = 42, .expires_at = exp,
//                                           .token_hash = digest, .client_address = peer});
//
// "Now" for activity checks comes from the application's clock (injectable for tests),
// the same clock that computed `expires_at`, not the database server's.
#ifndef LIBS_REPOSITORY_MYSQL_SESSIONS_MYSQL_SESSION_REPOSITORY_H_
#define LIBS_REPOSITORY_MYSQL_SESSIONS_MYSQL_SESSION_REPOSITORY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/mysql/connection_pool.h"
#include "libs/repository/session_repository.h"

namespace auth::mysql_repository {

class MysqlSessionRepository : public repository::SessionRepository {
 public:
  // Longest client_address stored; longer ones are truncated (the column is VARCHAR(128)).
  static constexpr size_t kMaxClientAddressLength = 128;

  // `pool` must outlive the repository.
  explicit MysqlSessionRepository(mysql::ConnectionPool& pool,
                                  std::function<absl::Time()> clock = absl::Now)
      : pool_(pool), clock_(std::move(clock)) {}

  // kAlreadyExists "jti already taken" if the jti is in use; kInternal if the user does
  // not exist.
  absl::Status Create(const repository::Session& session) override;
  absl::StatusOr<repository::Session> FindActive(absl::string_view jti) override;
  absl::StatusOr<std::vector<repository::Session>> FindActiveMany(
      const std::vector<std::string>& jtis) override;
  absl::Status Revoke(absl::string_view jti) override;
  absl::StatusOr<int64_t> RevokeAllForUser(int64_t user_id) override;
  absl::StatusOr<int64_t> DeleteExpired(absl::Time now) override;

 private:
  mysql::ConnectionPool& pool_;
  const std::function<absl::Time()> clock_;
};

}  // namespace auth::mysql_repository

#endif  // LIBS_REPOSITORY_MYSQL_SESSIONS_MYSQL_SESSION_REPOSITORY_H_
