// The revocation statements; see revocation_statements.h.
#include "libs/repository/mysql/sessions/revocation_statements.h"

#include <cppconn/prepared_statement.h>

#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/in_list.h"

namespace auth::mysql_repository::revocation {

namespace {

// Runs `head` + an IN list of `users` + `tail` (an UPDATE whose first parameter and, if `tail`
// has one, last parameter are `now`) in chunks of at most kMaxInListSize users, each padded to
// InListSize(); returns the rows changed.
int64_t RevokeForUsers(mysql::Connection& connection, absl::string_view head,
                       absl::string_view tail, absl::Span<const int64_t> users,
                       const std::string& now) {
  const bool now_last = absl::StrContains(tail, '?');
  int64_t changed = 0;
  for (size_t begin = 0; begin < users.size(); begin += mysql::kMaxInListSize) {
    const absl::Span<const int64_t> chunk = users.subspan(begin, mysql::kMaxInListSize);
    sql::PreparedStatement& update = connection.Prepare(
        absl::StrCat(head, mysql::InListPlaceholders(mysql::InListSize(chunk.size())), tail));
    update.setDateTime(1, now);
    const int next = mysql::BindInList(update, 2, chunk);
    if (now_last) update.setDateTime(next, now);
    changed += update.executeUpdate();
  }
  return changed;
}

}  // namespace

// Revokes the refresh tokens of `family_id`.
void RevokeFamilyTokens(mysql::Connection& connection, const std::string& family_id,
                        const std::string& now) {
  sql::PreparedStatement& tokens = connection.Prepare(
      "UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL");
  tokens.setDateTime(1, now);
  tokens.setString(2, family_id);
  tokens.executeUpdate();
}

// Revokes the sessions of `family_id`; returns how many were still active.
int64_t RevokeFamilySessions(mysql::Connection& connection, const std::string& family_id,
                             const std::string& now) {
  sql::PreparedStatement& sessions = connection.Prepare(
      "UPDATE sessions s JOIN refresh_tokens r ON r.session_jti = s.jti SET s.revoked_at = ? "
      "WHERE r.family_id = ? AND s.revoked_at IS NULL");
  sessions.setDateTime(1, now);
  sessions.setString(2, family_id);
  return sessions.executeUpdate();
}

// Revokes the refresh tokens of `family_id`, then their sessions.
void RevokeFamily(mysql::Connection& connection, const std::string& family_id,
                  const std::string& now) {
  RevokeFamilyTokens(connection, family_id, now);
  RevokeFamilySessions(connection, family_id, now);
}

// Revokes session `jti`; returns 1 if it was not revoked yet, else 0.
int64_t RevokeSession(mysql::Connection& connection, const std::string& jti,
                      const std::string& now) {
  sql::PreparedStatement& revoke =
      connection.Prepare("UPDATE sessions SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL");
  revoke.setDateTime(1, now);
  revoke.setString(2, jti);
  return revoke.executeUpdate();
}

// Revokes the refresh tokens of `users`.
void RevokeTokensOfUsers(mysql::Connection& connection, absl::Span<const int64_t> users,
                         const std::string& now) {
  RevokeForUsers(connection, "UPDATE refresh_tokens SET revoked_at = ? WHERE user_id IN (",
                 ") AND revoked_at IS NULL", users, now);
}

// Revokes the sessions of `users`; returns how many were still active.
int64_t RevokeSessionsOfUsers(mysql::Connection& connection, absl::Span<const int64_t> users,
                              const std::string& now) {
  return RevokeForUsers(connection, "UPDATE sessions SET revoked_at = ? WHERE user_id IN (",
                        ") AND revoked_at IS NULL AND expires_at > ?", users, now);
}

}  // namespace auth::mysql_repository::revocation
