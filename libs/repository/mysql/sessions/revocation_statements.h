// The UPDATEs that revoke refresh tokens and sessions, shared by MysqlRefreshTokenRepository's
// rotation (a family on reuse) and its logouts (a session, a family, every one of some users).
// Each runs on the caller's connection, inside the caller's transaction; `now` is the revocation
// time as a SQL DATETIME (libs/mysql:sql_time). Refresh tokens are revoked before sessions, the
// lock order every transaction of the repository keeps (refresh_token_repository.h).
#ifndef LIBS_REPOSITORY_MYSQL_SESSIONS_REVOCATION_STATEMENTS_H_
#define LIBS_REPOSITORY_MYSQL_SESSIONS_REVOCATION_STATEMENTS_H_

#include <cstdint>
#include <string>

#include "absl/types/span.h"
#include "libs/mysql/connection.h"

namespace auth::mysql_repository::revocation {

// Revokes the refresh tokens of `family_id`.
void RevokeFamilyTokens(mysql::Connection& connection, const std::string& family_id,
                        const std::string& now);

// Revokes the sessions of `family_id`; returns how many were still active.
int64_t RevokeFamilySessions(mysql::Connection& connection, const std::string& family_id,
                             const std::string& now);

// Revokes the refresh tokens of `family_id`, then their sessions.
void RevokeFamily(mysql::Connection& connection, const std::string& family_id,
                  const std::string& now);

// Revokes session `jti`; returns 1 if it was not revoked yet, else 0.
int64_t RevokeSession(mysql::Connection& connection, const std::string& jti,
                      const std::string& now);

// Revokes the refresh tokens of `users` (in IN-list chunks).
void RevokeTokensOfUsers(mysql::Connection& connection, absl::Span<const int64_t> users,
                         const std::string& now);

// Revokes the unexpired sessions of `users`; returns how many were still active.
int64_t RevokeSessionsOfUsers(mysql::Connection& connection, absl::Span<const int64_t> users,
                              const std::string& now);

}  // namespace auth::mysql_repository::revocation

#endif  // LIBS_REPOSITORY_MYSQL_SESSIONS_REVOCATION_STATEMENTS_H_
