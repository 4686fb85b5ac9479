// MysqlAccountTokenRepository; see mysql_account_token_repository.h. Every statement is
// prepared; digests, addresses and mails only travel as bound parameters and never reach a log
// line or a status message.
#include "libs/repository/mysql/tokens/mysql_account_token_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "libs/mail/mail.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/sql_time.h"
#include "libs/mysql/transaction_runner.h"
#include "libs/repository/mysql/attempts/attempt_counter_statements.h"
#include "libs/repository/mysql/mail/outbox_statements.h"
#include "libs/repository/mysql/sessions/revocation_statements.h"

namespace auth::mysql_repository {

using ::auth::repository::AccountTokenPurpose;

namespace {

constexpr char kNoLiveToken[] = "no live token";

// A SHA-256 digest as 64 lowercase hex digits: what the table's key holds.
absl::Status CheckTokenHash(absl::string_view token_hash) {
  if (token_hash.size() != 64) return absl::InvalidArgumentError("token digest must be 64 hex");
  for (const char c : token_hash) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) {
      return absl::InvalidArgumentError("token digest must be 64 hex");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckPurpose(AccountTokenPurpose purpose) {
  if (purpose != AccountTokenPurpose::kPasswordReset &&
      purpose != AccountTokenPurpose::kEmailVerification) {
    return absl::InvalidArgumentError("unknown token purpose");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status MysqlAccountTokenRepository::Issue(const repository::NewAccountToken& token,
                                                const mail::Mail& mail) {
  if (absl::Status valid = CheckTokenHash(token.token_hash); !valid.ok()) return valid;
  if (absl::Status valid = CheckPurpose(token.purpose); !valid.ok()) return valid;
  if (token.user_id <= 0) return absl::InvalidArgumentError("user id must be positive");
  if (absl::Status valid = mail::ValidateAddress(token.email); !valid.ok()) return valid;
  if (absl::Status valid = mail::ValidateMail(mail); !valid.ok()) return valid;
  return mysql::RunInTransaction(
      pool_, "issue account token", "", [&](mysql::Connection& connection) -> absl::Status {
        const absl::Time now = clock_();
        const std::string now_sql = mysql::ToSqlTime(now);
        // Older links of the same purpose stop working: only the newest one is live.
        sql::PreparedStatement& voiding = connection.Prepare(
            "UPDATE account_tokens SET voided_at = ? WHERE user_id = ? AND purpose = ? "
            "AND used_at IS NULL AND voided_at IS NULL");
        voiding.setDateTime(1, now_sql);
        voiding.setUInt64(2, static_cast<uint64_t>(token.user_id));
        voiding.setInt(3, static_cast<int>(token.purpose));
        voiding.executeUpdate();
        sql::PreparedStatement& insert = connection.Prepare(
            "INSERT INTO account_tokens (token_hash, purpose, user_id, email, created_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?)");
        insert.setString(1, token.token_hash);
        insert.setInt(2, static_cast<int>(token.purpose));
        insert.setUInt64(3, static_cast<uint64_t>(token.user_id));
        insert.setString(4, token.email);
        insert.setDateTime(5, now_sql);
        insert.setDateTime(6, mysql::ToSqlTime(token.expires_at));
        insert.executeUpdate();
        InsertOutboxMail(connection, mail, now);
        return absl::OkStatus();
      });
}

absl::StatusOr<int64_t> MysqlAccountTokenRepository::FindLive(absl::string_view token_hash,
                                                              AccountTokenPurpose purpose) {
  if (absl::Status valid = CheckTokenHash(token_hash); !valid.ok()) return valid;
  if (absl::Status valid = CheckPurpose(purpose); !valid.ok()) return valid;
  return mysql::RunQuery(
      pool_, "find account token", [&](mysql::Connection& connection) -> absl::StatusOr<int64_t> {
        sql::PreparedStatement& select = connection.Prepare(
            "SELECT user_id FROM account_tokens WHERE token_hash = ? AND purpose = ? "
            "AND used_at IS NULL AND voided_at IS NULL AND expires_at > ?");
        select.setString(1, std::string(token_hash));
        select.setInt(2, static_cast<int>(purpose));
        select.setDateTime(3, mysql::ToSqlTime(clock_()));
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        if (!rows->next()) return absl::NotFoundError(kNoLiveToken);
        return static_cast<int64_t>(rows->getUInt64(1));
      });
}

absl::StatusOr<repository::PasswordResetResult> MysqlAccountTokenRepository::ResetPassword(
    const repository::PasswordReset& reset) {
  if (absl::Status valid = CheckTokenHash(reset.token_hash); !valid.ok()) return valid;
  if (reset.user_id <= 0) return absl::InvalidArgumentError("user id must be positive");
  if (reset.new_password_hash.empty()) return absl::InvalidArgumentError("no password hash");
  if (absl::Status valid = CheckAttemptSettlement(reset.settlement); !valid.ok()) return valid;
  return mysql::RunInTransaction(
      pool_, "reset password", "",
      [&](mysql::Connection& connection) -> absl::StatusOr<repository::PasswordResetResult> {
        const std::string now = mysql::ToSqlTime(clock_());
        sql::PreparedStatement& spend = connection.Prepare(
            "UPDATE account_tokens SET used_at = ? WHERE token_hash = ? AND purpose = ? "
            "AND user_id = ? AND used_at IS NULL AND voided_at IS NULL AND expires_at > ?");
        spend.setDateTime(1, now);
        spend.setString(2, reset.token_hash);
        spend.setInt(3, static_cast<int>(AccountTokenPurpose::kPasswordReset));
        spend.setUInt64(4, static_cast<uint64_t>(reset.user_id));
        spend.setDateTime(5, now);
        if (spend.executeUpdate() == 0) return absl::NotFoundError(kNoLiveToken);
        sql::PreparedStatement& password = connection.Prepare(
            "UPDATE users SET password_hash = ?, updated_at = CURRENT_TIMESTAMP(6) WHERE id = ?");
        password.setString(1, reset.new_password_hash);
        password.setUInt64(2, static_cast<uint64_t>(reset.user_id));
        // The foreign key deletes a user's tokens with it, so a spent token has its user.
        if (password.executeUpdate() == 0) return absl::NotFoundError(kNoLiveToken);
        const int64_t users[] = {reset.user_id};
        revocation::RevokeTokensOfUsers(connection, users, now);
        repository::PasswordResetResult result;
        result.sessions_revoked = revocation::RevokeSessionsOfUsers(connection, users, now);
        SettleAttemptCounters(connection, reset.settlement);
        return result;
      });
}

absl::StatusOr<int64_t> MysqlAccountTokenRepository::VerifyEmail(absl::string_view token_hash) {
  if (absl::Status valid = CheckTokenHash(token_hash); !valid.ok()) return valid;
  return mysql::RunInTransaction(
      pool_, "verify email", "", [&](mysql::Connection& connection) -> absl::StatusOr<int64_t> {
        const std::string now = mysql::ToSqlTime(clock_());
        sql::PreparedStatement& spend = connection.Prepare(
            "UPDATE account_tokens SET used_at = ? WHERE token_hash = ? AND purpose = ? "
            "AND used_at IS NULL AND voided_at IS NULL AND expires_at > ?");
        spend.setDateTime(1, now);
        spend.setString(2, std::string(token_hash));
        spend.setInt(3, static_cast<int>(AccountTokenPurpose::kEmailVerification));
        spend.setDateTime(4, now);
        if (spend.executeUpdate() == 0) return absl::NotFoundError(kNoLiveToken);
        sql::PreparedStatement& select =
            connection.Prepare("SELECT user_id, email FROM account_tokens WHERE token_hash = ?");
        select.setString(1, std::string(token_hash));
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        if (!rows->next()) return absl::NotFoundError(kNoLiveToken);
        const uint64_t user_id = rows->getUInt64(1);
        const std::string email = rows->getString(2);
        // Only the address the link was sent to: a link to an address the account no longer
        // has proves nothing about the one it has now.
        sql::PreparedStatement& verify =
            connection.Prepare("UPDATE users SET email_verified_at = ? WHERE id = ? AND email = ?");
        verify.setDateTime(1, now);
        verify.setUInt64(2, user_id);
        verify.setString(3, email);
        if (verify.executeUpdate() == 0) return absl::NotFoundError(kNoLiveToken);
        return static_cast<int64_t>(user_id);
      });
}

}  // namespace auth::mysql_repository
