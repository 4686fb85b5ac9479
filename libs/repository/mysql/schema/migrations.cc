// ApplyMigrations; see migrations.h.
#include "libs/repository/mysql/schema/migrations.h"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "glog/logging.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/errors.h"
#include "libs/mysql/transaction_runner.h"

namespace auth::mysql_repository {

namespace {

constexpr char kLockName[] = "auth_schema_migrations";
// The version of the schema_migrations row that serves as the cluster-wide lock.
constexpr uint32_t kLockVersion = 0;

// Runs one statement with no parameters and no result.
void Execute(sql::Connection& connection, const std::string& statement) {
  std::unique_ptr<sql::PreparedStatement> prepared(connection.prepareStatement(statement));
  prepared->execute();
}

absl::flat_hash_set<int> ReadApplied(sql::Connection& connection) {
  absl::flat_hash_set<int> applied;
  std::unique_ptr<sql::PreparedStatement> select(
      connection.prepareStatement("SELECT version FROM schema_migrations WHERE version <> 0"));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  while (rows->next()) applied.insert(static_cast<int>(rows->getUInt(1)));
  return applied;
}

// Takes the cluster-wide lock: inserts schema_migrations row 0, which commits on exactly one
// node of a Galera cluster (the others get 1062, or 1213 when they collide at commit) and is
// visible to all. A row older than `lock.stale_after` was left by a process that died while
// migrating: it is deleted, and the next try takes the lock. kUnavailable after `lock.wait`.
absl::Status TakeClusterLock(sql::Connection& connection, const std::string& owner,
                             const MigrationLockOptions& lock) {
  const absl::Time give_up = absl::Now() + lock.wait;
  while (true) {
    try {
      std::unique_ptr<sql::PreparedStatement> insert(connection.prepareStatement(
          "INSERT INTO schema_migrations (version, name) VALUES (?, ?)"));
      insert->setUInt(1, kLockVersion);
      insert->setString(2, owner);
      insert->executeUpdate();
      return absl::OkStatus();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != mysql::kErDupEntry &&
          !mysql::IsTransactionConflict(e.getErrorCode(), e.getSQLState())) {
        throw;
      }
    }
    std::unique_ptr<sql::PreparedStatement> steal(connection.prepareStatement(
        "DELETE FROM schema_migrations WHERE version = ? AND applied_at < NOW(6) - INTERVAL ? "
        "SECOND"));
    steal->setUInt(1, kLockVersion);
    steal->setInt64(2, absl::ToInt64Seconds(lock.stale_after));
    if (steal->executeUpdate() > 0) {
      LOG(WARNING) << "removed a stale schema migration lock (older than " << lock.stale_after
                   << ")";
      continue;
    }
    if (absl::Now() >= give_up) {
      return absl::UnavailableError("timed out waiting for the schema migration lock");
    }
    absl::SleepFor(lock.poll);
  }
}

void ReleaseClusterLock(sql::Connection& connection, const std::string& owner) {
  try {
    std::unique_ptr<sql::PreparedStatement> remove(connection.prepareStatement(
        "DELETE FROM schema_migrations WHERE version = ? AND name = ?"));
    remove->setUInt(1, kLockVersion);
    remove->setString(2, owner);
    remove->executeUpdate();
  } catch (const std::exception& e) {
    // Left behind, it goes stale and the next migrating process removes it.
    LOG(WARNING) << "releasing the schema migration lock row: " << e.what();
  }
}

absl::Status ApplyLocked(sql::Connection& connection, absl::Span<const Migration> migrations,
                         const MigrationLockOptions& lock) {
  // DDL is replicated in total order on Galera, and IF NOT EXISTS makes a concurrent second
  // run a no-op.
  Execute(connection,
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          " version INT UNSIGNED NOT NULL PRIMARY KEY,"
          " name VARCHAR(255) NOT NULL,"
          " applied_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
          ") ENGINE = InnoDB DEFAULT CHARSET = utf8mb4");

  // The usual start: nothing to do, and no cluster lock taken.
  absl::flat_hash_set<int> applied = ReadApplied(connection);
  bool missing = false;
  for (const Migration& migration : migrations) missing |= !applied.contains(migration.version);
  if (!missing) return absl::OkStatus();

  const std::string owner =
      absl::StrCat("lock ", absl::Hex(absl::Uniform<uint64_t>(absl::BitGen()), absl::kZeroPad16));
  if (absl::Status locked = TakeClusterLock(connection, owner, lock); !locked.ok()) return locked;
  absl::Cleanup release = [&connection, &owner] { ReleaseClusterLock(connection, owner); };

  // Read again under the lock: a process that migrated while we waited is seen here (on
  // Galera, the session's wsrep_sync_wait makes this read see its commits).
  applied = ReadApplied(connection);
  for (const Migration& migration : migrations) {
    if (applied.contains(migration.version)) continue;
    LOG(INFO) << "applying schema migration " << migration.version << " (" << migration.name << ")";
    for (const std::string& statement : SplitMigrationStatements(migration.sql)) {
      Execute(connection, statement);
    }
    std::unique_ptr<sql::PreparedStatement> record(
        connection.prepareStatement("INSERT INTO schema_migrations (version, name) VALUES (?, ?)"));
    record->setUInt(1, static_cast<uint32_t>(migration.version));
    record->setString(2, migration.name);
    record->executeUpdate();
  }
  return absl::OkStatus();
}

}  // namespace

absl::Span<const Migration> EmbeddedMigrations() {
  return absl::MakeConstSpan(internal::kEmbeddedMigrations, internal::kEmbeddedMigrationCount);
}

std::vector<std::string> SplitMigrationStatements(absl::string_view sql) {
  std::vector<std::string> statements;
  std::string current;
  for (absl::string_view line : absl::StrSplit(sql, '\n')) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty() || absl::StartsWith(trimmed, "--")) continue;
    if (!current.empty()) current += '\n';
    current.append(line.data(), line.size());
    if (absl::EndsWith(trimmed, ";")) {
      // Drop the terminator: a prepared statement is a single statement without one.
      current.erase(current.find_last_of(';'));
      statements.push_back(std::move(current));
      current.clear();
    }
  }
  if (!absl::StripAsciiWhitespace(current).empty()) statements.push_back(std::move(current));
  return statements;
}

absl::Status ApplyMigrations(mysql::ConnectionPool& pool) {
  return ApplyMigrationsForTest(pool, EmbeddedMigrations());
}

absl::Status ApplyMigrationsForTest(mysql::ConnectionPool& pool,
                                    absl::Span<const Migration> migrations,
                                    const MigrationLockOptions& lock_options) {
  return mysql::RunOnConnection(pool, "apply migrations", "", [&](mysql::Connection& leased) {
    // Uncached statements: they run once per process, and DDL has no use for a cache.
    sql::Connection& connection = leased.raw();
    // The lock belongs to this connection: it is released below, or by the server when the
    // connection dies.
    std::unique_ptr<sql::PreparedStatement> lock(
        connection.prepareStatement("SELECT GET_LOCK(?, 10)"));
    lock->setString(1, kLockName);
    std::unique_ptr<sql::ResultSet> locked(lock->executeQuery());
    if (!locked->next() || locked->isNull(1) || locked->getInt(1) != 1) {
      return absl::UnavailableError("timed out waiting for the schema migration lock");
    }
    absl::Cleanup release = [&connection] {
      try {
        std::unique_ptr<sql::PreparedStatement> unlock(
            connection.prepareStatement("SELECT RELEASE_LOCK(?)"));
        unlock->setString(1, kLockName);
        std::unique_ptr<sql::ResultSet> released(unlock->executeQuery());
      } catch (const std::exception& e) {
        LOG(WARNING) << "releasing the schema migration lock: " << e.what();
      }
    };
    return ApplyLocked(connection, migrations, lock_options);
  });
}

}  // namespace auth::mysql_repository
