// ApplyMigrations; see migrations.h.
#include "libs/repository/migrations.h"

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "glog/logging.h"
#include "libs/repository/mysql_support.h"

namespace auth::repository {
namespace {

constexpr char kLockName[] = "auth_schema_migrations";

// Runs one statement with no parameters and no result.
void Execute(sql::Connection& connection, const std::string& statement) {
  std::unique_ptr<sql::PreparedStatement> prepared(connection.prepareStatement(statement));
  prepared->execute();
}

absl::Status ApplyLocked(sql::Connection& connection, absl::Span<const Migration> migrations) {
  Execute(connection,
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          " version INT UNSIGNED NOT NULL PRIMARY KEY,"
          " name VARCHAR(255) NOT NULL,"
          " applied_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
          ") ENGINE = InnoDB DEFAULT CHARSET = utf8mb4");

  // Read only now, under the lock: a process that migrated while we waited is seen here.
  absl::flat_hash_set<int> applied;
  {
    std::unique_ptr<sql::PreparedStatement> select(
        connection.prepareStatement("SELECT version FROM schema_migrations"));
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) applied.insert(static_cast<int>(rows->getUInt(1)));
  }

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

absl::Status ApplyMigrations(ConnectionPool& pool) {
  return ApplyMigrationsForTest(pool, EmbeddedMigrations());
}

absl::Status ApplyMigrationsForTest(ConnectionPool& pool, absl::Span<const Migration> migrations) {
  return RunOnConnection(pool, "apply migrations", "", [&](sql::Connection& connection) {
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
    return ApplyLocked(connection, migrations);
  });
}

}  // namespace auth::repository
