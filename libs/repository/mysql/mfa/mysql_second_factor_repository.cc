// MysqlSecondFactorRepository; see mysql_second_factor_repository.h. Every statement is
// prepared; sealed secrets and digests only travel as bound parameters and never reach a log
// line or a status message.
#include "libs/repository/mysql/mfa/mysql_second_factor_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/sql_time.h"
#include "libs/mysql/transaction_runner.h"
#include "libs/repository/mysql/sessions/credential_spend_statements.h"
#include "libs/repository/refresh_token_repository.h"

namespace auth::mysql_repository {

namespace {

constexpr char kNoLiveTicket[] = "no live mfa ticket";

// A SHA-256 digest as 64 lowercase hex digits: what the tables' keys hold.
absl::Status CheckDigest(absl::string_view digest) {
  bool valid = digest.size() == 64;
  for (const char c : digest) valid = valid && (absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f'));
  return valid ? absl::OkStatus() : absl::InvalidArgumentError("digest must be 64 hex");
}

absl::Status CheckUser(int64_t user_id) {
  return user_id > 0 ? absl::OkStatus() : absl::InvalidArgumentError("user id must be positive");
}

absl::Status CheckCodeDigests(const std::vector<std::string>& digests) {
  if (digests.empty()) return absl::InvalidArgumentError("no recovery codes");
  for (const std::string& digest : digests) {
    if (absl::Status valid = CheckDigest(digest); !valid.ok()) return valid;
  }
  return absl::OkStatus();
}

// Replaces the user's recovery codes with `digests`, created `now`.
void StoreRecoveryCodes(mysql::Connection& connection, int64_t user_id,
                        const std::vector<std::string>& digests, const std::string& now) {
  // A DELETE that matches nothing still takes a gap lock, and two users' first sets would then
  // deadlock on each other's inserts: delete only a set that is there (a plain read takes no
  // lock; a set written meanwhile is this user's own concurrent call, which the TOTP row's lock
  // taken before this serialises).
  sql::PreparedStatement& any =
      connection.Prepare("SELECT 1 FROM recovery_codes WHERE user_id = ? LIMIT 1");
  any.setInt64(1, user_id);
  std::unique_ptr<sql::ResultSet> existing(any.executeQuery());
  if (existing->next()) {
    sql::PreparedStatement& remove =
        connection.Prepare("DELETE FROM recovery_codes WHERE user_id = ?");
    remove.setInt64(1, user_id);
    remove.executeUpdate();
  }
  sql::PreparedStatement& insert = connection.Prepare(
      "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)");
  for (const std::string& digest : digests) {
    insert.setInt64(1, user_id);
    insert.setString(2, digest);
    insert.setDateTime(3, now);
    insert.executeUpdate();
  }
}

}  // namespace

absl::StatusOr<repository::TotpState> MysqlSecondFactorRepository::FindTotp(int64_t user_id) {
  if (absl::Status valid = CheckUser(user_id); !valid.ok()) return valid;
  return mysql::RunQuery(
      pool_, "find totp",
      [&](mysql::Connection& connection) -> absl::StatusOr<repository::TotpState> {
        sql::PreparedStatement& select = connection.Prepare(
            "SELECT sealed_secret, confirmed_at IS NOT NULL, "
            "UNIX_TIMESTAMP(pending_expires_at), last_used_step FROM user_totp WHERE user_id = ?");
        select.setInt64(1, user_id);
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        if (!rows->next()) return absl::NotFoundError("no totp");
        repository::TotpState state;
        state.sealed_secret = rows->getString(1);
        state.confirmed = rows->getBoolean(2);
        if (!state.confirmed && !rows->isNull(3)) {
          absl::StatusOr<absl::Time> expires_at = mysql::ReadUnixTimestamp(*rows, 3);
          if (!expires_at.ok()) return expires_at.status();
          state.pending_expires_at = *expires_at;
        }
        state.last_used_step = rows->getInt64(4);
        return state;
      });
}

absl::Status MysqlSecondFactorRepository::BeginTotp(int64_t user_id,
                                                    absl::string_view sealed_secret,
                                                    absl::Time pending_expires_at) {
  if (absl::Status valid = CheckUser(user_id); !valid.ok()) return valid;
  if (sealed_secret.empty() || sealed_secret.size() > 255) {
    return absl::InvalidArgumentError("sealed secret must be 1-255 bytes");
  }
  return mysql::RunInTransaction(
      pool_, "begin totp", "", [&](mysql::Connection& connection) -> absl::Status {
        const std::string now = mysql::ToSqlTime(clock_());
        // One upsert that replaces only a pending row: no locking read or DELETE of a row that
        // may not exist first, whose gap locks would make concurrent enrolments of different
        // users deadlock on each other's inserts (seen under load). A confirmed row is left
        // alone, and then is the answer.
        sql::PreparedStatement& upsert = connection.Prepare(
            "INSERT INTO user_totp (user_id, sealed_secret, created_at, pending_expires_at) "
            "VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
            "sealed_secret = IF(confirmed_at IS NULL, VALUES(sealed_secret), sealed_secret), "
            "created_at = IF(confirmed_at IS NULL, VALUES(created_at), created_at), "
            "pending_expires_at = IF(confirmed_at IS NULL, VALUES(pending_expires_at), "
            "pending_expires_at)");
        upsert.setInt64(1, user_id);
        upsert.setString(2, std::string(sealed_secret));
        upsert.setDateTime(3, now);
        upsert.setDateTime(4, mysql::ToSqlTime(pending_expires_at));
        upsert.executeUpdate();
        sql::PreparedStatement& confirmed =
            connection.Prepare("SELECT confirmed_at IS NOT NULL FROM user_totp WHERE user_id = ?");
        confirmed.setInt64(1, user_id);
        std::unique_ptr<sql::ResultSet> rows(confirmed.executeQuery());
        if (rows->next() && rows->getBoolean(1)) {
          return absl::AlreadyExistsError("totp already confirmed");
        }
        return absl::OkStatus();
      });
}

absl::Status MysqlSecondFactorRepository::ConfirmTotp(
    const repository::TotpConfirmation& confirmation) {
  if (absl::Status valid = CheckUser(confirmation.user_id); !valid.ok()) return valid;
  if (absl::Status valid = CheckCodeDigests(confirmation.recovery_code_hashes); !valid.ok()) {
    return valid;
  }
  if (confirmation.step < 1) return absl::InvalidArgumentError("step must be positive");
  return mysql::RunInTransaction(
      pool_, "confirm totp", "", [&](mysql::Connection& connection) -> absl::Status {
        const std::string now = mysql::ToSqlTime(clock_());
        sql::PreparedStatement& confirm = connection.Prepare(
            "UPDATE user_totp SET confirmed_at = ?, pending_expires_at = NULL, "
            "last_used_step = ? WHERE user_id = ? AND sealed_secret = ? "
            "AND confirmed_at IS NULL AND pending_expires_at > ? AND last_used_step < ?");
        confirm.setDateTime(1, now);
        confirm.setInt64(2, confirmation.step);
        confirm.setInt64(3, confirmation.user_id);
        confirm.setString(4, confirmation.sealed_secret);
        confirm.setDateTime(5, now);
        confirm.setInt64(6, confirmation.step);
        if (confirm.executeUpdate() != 1) return absl::NotFoundError("no live pending totp");
        StoreRecoveryCodes(connection, confirmation.user_id, confirmation.recovery_code_hashes,
                           now);
        return absl::OkStatus();
      });
}

absl::Status MysqlSecondFactorRepository::DisableTotp(int64_t user_id,
                                                      const repository::SecondFactorProof& proof) {
  if (absl::Status valid = CheckUser(user_id); !valid.ok()) return valid;
  if (proof.totp_step.has_value() == !proof.recovery_code_hash.empty()) {
    return absl::InvalidArgumentError("exactly one of a step or a recovery code");
  }
  if (!proof.recovery_code_hash.empty()) {
    if (absl::Status valid = CheckDigest(proof.recovery_code_hash); !valid.ok()) return valid;
  }
  repository::CredentialSpend spend;
  spend.totp_step = proof.totp_step;
  spend.recovery_code_hash = proof.recovery_code_hash;
  return mysql::RunInTransaction(
      pool_, "disable totp", "", [&](mysql::Connection& connection) -> absl::Status {
        const std::string now = mysql::ToSqlTime(clock_());
        // The row lock first (the lock order of the class comment), and the answer when TOTP is
        // not on, before anything is spent.
        sql::PreparedStatement& confirmed = connection.Prepare(
            "SELECT 1 FROM user_totp WHERE user_id = ? AND confirmed_at IS NOT NULL FOR UPDATE");
        confirmed.setInt64(1, user_id);
        std::unique_ptr<sql::ResultSet> rows(confirmed.executeQuery());
        if (!rows->next()) return absl::NotFoundError("totp not on");
        if (absl::Status spent =
                credential_spend::SpendCredentials(connection, user_id, spend, now);
            !spent.ok()) {
          return spent;
        }
        sql::PreparedStatement& remove_totp =
            connection.Prepare("DELETE FROM user_totp WHERE user_id = ?");
        remove_totp.setInt64(1, user_id);
        remove_totp.executeUpdate();
        sql::PreparedStatement& remove_codes =
            connection.Prepare("DELETE FROM recovery_codes WHERE user_id = ?");
        remove_codes.setInt64(1, user_id);
        remove_codes.executeUpdate();
        return absl::OkStatus();
      });
}

absl::Status MysqlSecondFactorRepository::ReplaceRecoveryCodes(
    int64_t user_id, int64_t totp_step, const std::vector<std::string>& recovery_code_hashes) {
  if (absl::Status valid = CheckUser(user_id); !valid.ok()) return valid;
  if (absl::Status valid = CheckCodeDigests(recovery_code_hashes); !valid.ok()) return valid;
  repository::CredentialSpend spend;
  spend.totp_step = totp_step;
  return mysql::RunInTransaction(
      pool_, "replace recovery codes", "", [&](mysql::Connection& connection) -> absl::Status {
        const std::string now = mysql::ToSqlTime(clock_());
        if (absl::Status spent =
                credential_spend::SpendCredentials(connection, user_id, spend, now);
            !spent.ok()) {
          return spent;
        }
        StoreRecoveryCodes(connection, user_id, recovery_code_hashes, now);
        return absl::OkStatus();
      });
}

absl::Status MysqlSecondFactorRepository::CreateMfaTicket(const repository::NewMfaTicket& ticket) {
  if (absl::Status valid = CheckUser(ticket.user_id); !valid.ok()) return valid;
  if (absl::Status valid = CheckDigest(ticket.ticket_hash); !valid.ok()) return valid;
  return mysql::RunOnConnection(
      pool_, "create mfa ticket", "", [&](mysql::Connection& connection) -> absl::Status {
        sql::PreparedStatement& insert = connection.Prepare(
            "INSERT INTO mfa_tickets (ticket_hash, user_id, created_at, expires_at) "
            "VALUES (?, ?, ?, ?)");
        insert.setString(1, ticket.ticket_hash);
        insert.setInt64(2, ticket.user_id);
        insert.setDateTime(3, mysql::ToSqlTime(clock_()));
        insert.setDateTime(4, mysql::ToSqlTime(ticket.expires_at));
        insert.executeUpdate();
        return absl::OkStatus();
      });
}

absl::StatusOr<int64_t> MysqlSecondFactorRepository::FindLiveMfaTicket(
    absl::string_view ticket_hash) {
  if (absl::Status valid = CheckDigest(ticket_hash); !valid.ok()) return valid;
  return mysql::RunQuery(
      pool_, "find mfa ticket", [&](mysql::Connection& connection) -> absl::StatusOr<int64_t> {
        sql::PreparedStatement& select = connection.Prepare(
            "SELECT user_id FROM mfa_tickets WHERE ticket_hash = ? AND spent_at IS NULL "
            "AND expires_at > ?");
        select.setString(1, std::string(ticket_hash));
        select.setDateTime(2, mysql::ToSqlTime(clock_()));
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        if (!rows->next()) return absl::NotFoundError(kNoLiveTicket);
        return static_cast<int64_t>(rows->getUInt64(1));
      });
}

absl::StatusOr<bool> MysqlSecondFactorRepository::CountMfaTicketFailure(
    absl::string_view ticket_hash) {
  if (absl::Status valid = CheckDigest(ticket_hash); !valid.ok()) return valid;
  return mysql::RunInTransaction(
      pool_, "count mfa ticket failure", "",
      [&](mysql::Connection& connection) -> absl::StatusOr<bool> {
        const std::string now = mysql::ToSqlTime(clock_());
        // spent_at is assigned first, from the old count: the same under MariaDB's left-to-right
        // assignments and under SIMULTANEOUS_ASSIGNMENT.
        sql::PreparedStatement& count = connection.Prepare(
            "UPDATE mfa_tickets SET spent_at = IF(failures + 1 >= ?, ?, NULL), "
            "failures = failures + 1 WHERE ticket_hash = ? AND spent_at IS NULL "
            "AND expires_at > ?");
        count.setInt(1, repository::kMfaTicketMaxFailures);
        count.setDateTime(2, now);
        count.setString(3, std::string(ticket_hash));
        count.setDateTime(4, now);
        if (count.executeUpdate() != 1) return absl::NotFoundError(kNoLiveTicket);
        sql::PreparedStatement& select = connection.Prepare(
            "SELECT spent_at IS NOT NULL FROM mfa_tickets WHERE ticket_hash = ?");
        select.setString(1, std::string(ticket_hash));
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        if (!rows->next()) return absl::NotFoundError(kNoLiveTicket);
        return rows->getBoolean(1);
      });
}

}  // namespace auth::mysql_repository
