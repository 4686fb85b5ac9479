// MysqlPasskeyRepository; see mysql_passkey_repository.h. Every statement is prepared; handles,
// challenges, credential ids and keys only travel as bound parameters and never reach a log
// line or a status message.
#include "libs/repository/mysql/passkeys/mysql_passkey_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/sql_time.h"
#include "libs/mysql/transaction_runner.h"

namespace auth::mysql_repository {

using ::auth::repository::CeremonyKind;
using ::auth::repository::StoredPasskey;
using ::auth::repository::WebauthnCeremony;

namespace {

constexpr size_t kMaxCredentialIdBytes = 1023;
constexpr size_t kMaxPublicKeyBytes = 1024;

absl::Status CheckUserId(int64_t user_id) {
  if (user_id <= 0) return absl::InvalidArgumentError("user id must be positive");
  return absl::OkStatus();
}

absl::Status CheckKind(CeremonyKind kind) {
  if (kind != CeremonyKind::kRegistration && kind != CeremonyKind::kSignIn) {
    return absl::InvalidArgumentError("unknown ceremony kind");
  }
  return absl::OkStatus();
}

// The columns every passkey read selects, in the order ReadPasskey() expects.
constexpr char kPasskeyColumns[] =
    "passkey_id, user_id, credential_id, public_key, algorithm, sign_count, backup_eligible, "
    "backed_up, name, UNIX_TIMESTAMP(created_at), UNIX_TIMESTAMP(last_used_at)";

absl::StatusOr<StoredPasskey> ReadPasskey(const sql::ResultSet& row) {
  StoredPasskey passkey;
  passkey.passkey_id = row.getString(1);
  passkey.user_id = static_cast<int64_t>(row.getUInt64(2));
  passkey.credential_id = row.getString(3);
  passkey.public_key = row.getString(4);
  passkey.algorithm = row.getInt(5);
  passkey.sign_count = row.getUInt(6);
  passkey.backup_eligible = row.getBoolean(7);
  passkey.backed_up = row.getBoolean(8);
  passkey.name = row.getString(9);
  absl::StatusOr<absl::Time> created_at = mysql::ReadUnixTimestamp(row, 10);
  if (!created_at.ok()) return created_at.status();
  passkey.created_at = *created_at;
  absl::StatusOr<std::optional<absl::Time>> last_used_at =
      mysql::ReadOptionalUnixTimestamp(row, 11);
  if (!last_used_at.ok()) return last_used_at.status();
  passkey.last_used_at = last_used_at->value_or(absl::InfinitePast());
  return passkey;
}

}  // namespace

absl::StatusOr<std::string> MysqlPasskeyRepository::UserHandleOf(int64_t user_id,
                                                                 absl::string_view candidate) {
  if (absl::Status valid = CheckUserId(user_id); !valid.ok()) return valid;
  if (candidate.size() < 16 || candidate.size() > 64) {
    return absl::InvalidArgumentError("user handle must be 16-64 bytes");
  }
  return mysql::RunInTransaction(
      pool_, "user handle", "", [&](mysql::Connection& connection) -> absl::StatusOr<std::string> {
        // IGNORE: an account that has a handle keeps it (a racing call's insert loses).
        sql::PreparedStatement& insert = connection.Prepare(
            "INSERT IGNORE INTO webauthn_user_handles (user_id, user_handle) VALUES (?, ?)");
        insert.setUInt64(1, static_cast<uint64_t>(user_id));
        insert.setString(2, std::string(candidate));
        insert.executeUpdate();
        sql::PreparedStatement& select =
            connection.Prepare("SELECT user_handle FROM webauthn_user_handles WHERE user_id = ?");
        select.setUInt64(1, static_cast<uint64_t>(user_id));
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        // No row: the user does not exist (the foreign key refused it, IGNORE hid that).
        if (!rows->next()) return absl::NotFoundError("no such user");
        return std::string(rows->getString(1));
      });
}

absl::StatusOr<int64_t> MysqlPasskeyRepository::FindUserByHandle(absl::string_view user_handle) {
  if (user_handle.empty() || user_handle.size() > 64) {
    return absl::NotFoundError("no such user handle");
  }
  return mysql::RunQuery(
      pool_, "find user handle", [&](mysql::Connection& connection) -> absl::StatusOr<int64_t> {
        sql::PreparedStatement& select =
            connection.Prepare("SELECT user_id FROM webauthn_user_handles WHERE user_handle = ?");
        select.setString(1, std::string(user_handle));
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        if (!rows->next()) return absl::NotFoundError("no such user handle");
        return static_cast<int64_t>(rows->getUInt64(1));
      });
}

absl::Status MysqlPasskeyRepository::CreateCeremony(const WebauthnCeremony& ceremony) {
  if (ceremony.ceremony_id.size() != 43) {
    return absl::InvalidArgumentError("ceremony id must be 43 characters");
  }
  if (absl::Status valid = CheckKind(ceremony.kind); !valid.ok()) return valid;
  if (ceremony.user_id < 0 ||
      (ceremony.kind == CeremonyKind::kRegistration && ceremony.user_id == 0)) {
    return absl::InvalidArgumentError("a registration needs its user");
  }
  if (ceremony.challenge.size() < 16 || ceremony.challenge.size() > 64) {
    return absl::InvalidArgumentError("challenge must be 16-64 bytes");
  }
  return mysql::RunOnConnection(
      pool_, "create ceremony", "ceremony_id", [&](mysql::Connection& connection) -> absl::Status {
        sql::PreparedStatement& insert = connection.Prepare(
            "INSERT INTO webauthn_ceremonies (ceremony_id, kind, user_id, challenge, created_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?)");
        insert.setString(1, ceremony.ceremony_id);
        insert.setInt(2, static_cast<int>(ceremony.kind));
        if (ceremony.user_id == 0) {
          insert.setNull(3, 0);
        } else {
          insert.setUInt64(3, static_cast<uint64_t>(ceremony.user_id));
        }
        insert.setString(4, ceremony.challenge);
        insert.setDateTime(5, mysql::ToSqlTime(clock_()));
        insert.setDateTime(6, mysql::ToSqlTime(ceremony.expires_at));
        insert.executeUpdate();
        return absl::OkStatus();
      });
}

absl::StatusOr<WebauthnCeremony> MysqlPasskeyRepository::SpendCeremony(
    absl::string_view ceremony_id, CeremonyKind kind) {
  constexpr char kNoLiveCeremony[] = "no live ceremony";
  if (ceremony_id.size() != 43) return absl::NotFoundError(kNoLiveCeremony);
  if (absl::Status valid = CheckKind(kind); !valid.ok()) return valid;
  return mysql::RunInTransaction(
      pool_, "spend ceremony", "",
      [&](mysql::Connection& connection) -> absl::StatusOr<WebauthnCeremony> {
        const std::string now = mysql::ToSqlTime(clock_());
        sql::PreparedStatement& spend = connection.Prepare(
            "UPDATE webauthn_ceremonies SET spent_at = ? WHERE ceremony_id = ? AND kind = ? "
            "AND spent_at IS NULL AND expires_at > ?");
        spend.setDateTime(1, now);
        spend.setString(2, std::string(ceremony_id));
        spend.setInt(3, static_cast<int>(kind));
        spend.setDateTime(4, now);
        if (spend.executeUpdate() == 0) return absl::NotFoundError(kNoLiveCeremony);
        sql::PreparedStatement& select = connection.Prepare(
            "SELECT user_id, challenge, UNIX_TIMESTAMP(expires_at) FROM webauthn_ceremonies "
            "WHERE ceremony_id = ?");
        select.setString(1, std::string(ceremony_id));
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        if (!rows->next()) return absl::NotFoundError(kNoLiveCeremony);
        WebauthnCeremony ceremony;
        ceremony.ceremony_id = std::string(ceremony_id);
        ceremony.kind = kind;
        ceremony.user_id = rows->isNull(1) ? 0 : static_cast<int64_t>(rows->getUInt64(1));
        ceremony.challenge = rows->getString(2);
        absl::StatusOr<absl::Time> expires_at = mysql::ReadUnixTimestamp(*rows, 3);
        if (!expires_at.ok()) return expires_at.status();
        ceremony.expires_at = *expires_at;
        return ceremony;
      });
}

absl::Status MysqlPasskeyRepository::Add(const StoredPasskey& passkey) {
  if (passkey.passkey_id.size() != 22) {
    return absl::InvalidArgumentError("passkey id must be 22 characters");
  }
  if (absl::Status valid = CheckUserId(passkey.user_id); !valid.ok()) return valid;
  if (passkey.credential_id.empty() || passkey.credential_id.size() > kMaxCredentialIdBytes) {
    return absl::InvalidArgumentError("credential id must be 1-1023 bytes");
  }
  if (passkey.public_key.empty() || passkey.public_key.size() > kMaxPublicKeyBytes) {
    return absl::InvalidArgumentError("public key must be 1-1024 bytes");
  }
  if (passkey.name.empty() || passkey.name.size() > 256) {
    return absl::InvalidArgumentError("name must not be empty");
  }
  absl::Status added = mysql::RunOnConnection(
      pool_, "add passkey", "passkey_id", [&](mysql::Connection& connection) -> absl::Status {
        sql::PreparedStatement& insert = connection.Prepare(
            "INSERT INTO passkeys (passkey_id, user_id, credential_id, public_key, algorithm, "
            "sign_count, backup_eligible, backed_up, name, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        insert.setString(1, passkey.passkey_id);
        insert.setUInt64(2, static_cast<uint64_t>(passkey.user_id));
        insert.setString(3, passkey.credential_id);
        insert.setString(4, passkey.public_key);
        insert.setInt(5, passkey.algorithm);
        insert.setUInt(6, passkey.sign_count);
        insert.setBoolean(7, passkey.backup_eligible);
        insert.setBoolean(8, passkey.backed_up);
        insert.setString(9, passkey.name);
        insert.setDateTime(10, mysql::ToSqlTime(clock_()));
        insert.executeUpdate();
        return absl::OkStatus();
      });
  // The duplicate's message names the index; callers only need to know it is registered.
  if (absl::IsAlreadyExists(added)) return absl::AlreadyExistsError("passkey already registered");
  return added;
}

absl::StatusOr<std::vector<StoredPasskey>> MysqlPasskeyRepository::ListOf(int64_t user_id) {
  if (absl::Status valid = CheckUserId(user_id); !valid.ok()) return valid;
  return mysql::RunQuery(
      pool_, "list passkeys",
      [&](mysql::Connection& connection) -> absl::StatusOr<std::vector<StoredPasskey>> {
        sql::PreparedStatement& select =
            connection.Prepare(std::string("SELECT ") + kPasskeyColumns +
                               " FROM passkeys WHERE user_id = ? ORDER BY created_at, passkey_id");
        select.setUInt64(1, static_cast<uint64_t>(user_id));
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        std::vector<StoredPasskey> passkeys;
        while (rows->next()) {
          absl::StatusOr<StoredPasskey> passkey = ReadPasskey(*rows);
          if (!passkey.ok()) return passkey.status();
          passkeys.push_back(*std::move(passkey));
        }
        return passkeys;
      });
}

absl::StatusOr<StoredPasskey> MysqlPasskeyRepository::FindByCredentialId(
    absl::string_view credential_id) {
  if (credential_id.empty() || credential_id.size() > kMaxCredentialIdBytes) {
    return absl::NotFoundError("no such passkey");
  }
  return mysql::RunQuery(
      pool_, "find passkey", [&](mysql::Connection& connection) -> absl::StatusOr<StoredPasskey> {
        sql::PreparedStatement& select = connection.Prepare(
            std::string("SELECT ") + kPasskeyColumns + " FROM passkeys WHERE credential_id = ?");
        select.setString(1, std::string(credential_id));
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        if (!rows->next()) return absl::NotFoundError("no such passkey");
        return ReadPasskey(*rows);
      });
}

absl::Status MysqlPasskeyRepository::Delete(int64_t user_id, absl::string_view passkey_id,
                                            bool password_checked) {
  if (absl::Status valid = CheckUserId(user_id); !valid.ok()) return valid;
  if (passkey_id.empty() || passkey_id.size() > 22) return absl::NotFoundError("no such passkey");
  return mysql::RunInTransaction(
      pool_, "delete passkey", "", [&](mysql::Connection& connection) -> absl::Status {
        // Locks every passkey row of the account: a racing deletion waits, then counts again.
        sql::PreparedStatement& lock = connection.Prepare(
            "SELECT passkey_id FROM passkeys WHERE user_id = ? ORDER BY passkey_id FOR UPDATE");
        lock.setUInt64(1, static_cast<uint64_t>(user_id));
        std::unique_ptr<sql::ResultSet> rows(lock.executeQuery());
        int64_t count = 0;
        bool found = false;
        while (rows->next()) {
          ++count;
          if (std::string(rows->getString(1)) == passkey_id) found = true;
        }
        if (!found) return absl::NotFoundError("no such passkey");
        if (count == 1 && !password_checked) {
          return absl::FailedPreconditionError("the last passkey needs the password");
        }
        sql::PreparedStatement& remove =
            connection.Prepare("DELETE FROM passkeys WHERE passkey_id = ? AND user_id = ?");
        remove.setString(1, std::string(passkey_id));
        remove.setUInt64(2, static_cast<uint64_t>(user_id));
        remove.executeUpdate();
        return absl::OkStatus();
      });
}

absl::StatusOr<int64_t> MysqlPasskeyRepository::CountOf(int64_t user_id) {
  if (absl::Status valid = CheckUserId(user_id); !valid.ok()) return valid;
  return mysql::RunQuery(
      pool_, "count passkeys", [&](mysql::Connection& connection) -> absl::StatusOr<int64_t> {
        sql::PreparedStatement& select =
            connection.Prepare("SELECT COUNT(*) FROM passkeys WHERE user_id = ?");
        select.setUInt64(1, static_cast<uint64_t>(user_id));
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        rows->next();
        return static_cast<int64_t>(rows->getUInt64(1));
      });
}

}  // namespace auth::mysql_repository
