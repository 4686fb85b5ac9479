// Schema migrations: the SQL files in libs/repository/mysql/schema/migrations/, compiled into
// the binary and applied in version order.
//
//   ConnectionPool pool(options);
//   absl::Status migrated = ApplyMigrations(pool);  // safe to repeat, safe to race
//
// Applied versions are recorded in `schema_migrations`. Two locks serialise processes that
// migrate at the same time, and the applied set is read again once they are held, so each
// migration runs once:
// - GET_LOCK('auth_schema_migrations') orders processes on one server. On Galera it is local
//   to one node (a process on another node takes it too), hence
// - a lock row, version 0 of schema_migrations, taken with an INSERT: a unique key commits on
//   exactly one node of a cluster, and the row is seen by all. It is taken only when some
//   migration is missing, deleted afterwards, and taken over if it is older than
//   `stale_after` (its holder died). A process waits `wait` for it, then gives up.
// A migration file holds one or more statements, each ending with ';' at the end of a line;
// lines starting with "--" are comments. DDL auto-commits in MySQL, so statements should be
// idempotent (CREATE TABLE IF NOT EXISTS ...) in case a run dies half-way.
#ifndef LIBS_REPOSITORY_MYSQL_SCHEMA_MIGRATIONS_H_
#define LIBS_REPOSITORY_MYSQL_SCHEMA_MIGRATIONS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "libs/mysql/connection_pool.h"

namespace auth::mysql_repository {

struct Migration {
  int version;       // from the file name: 0002_create_sessions.sql -> 2
  const char* name;  // "create_sessions"
  const char* sql;   // the file's contents
};

// The migrations built into this binary, sorted by version.
absl::Span<const Migration> EmbeddedMigrations();

// How long to wait for the migration lock row, when to take it over, how often to look.
struct MigrationLockOptions {
  absl::Duration wait = absl::Seconds(60);
  absl::Duration stale_after = absl::Minutes(10);
  absl::Duration poll = absl::Milliseconds(200);
};

// Applies the embedded migrations that `schema_migrations` does not list yet.
// kUnavailable if the database is unreachable, another process on the same server holds
// GET_LOCK for more than 10 s, or another process holds the lock row for more than 60 s;
// kInternal if a migration fails (the error is logged).
absl::Status ApplyMigrations(mysql::ConnectionPool& pool);

// Applies `migrations` (sorted by version) instead of the embedded ones; for tests.
absl::Status ApplyMigrationsForTest(mysql::ConnectionPool& pool,
                                    absl::Span<const Migration> migrations,
                                    const MigrationLockOptions& lock = {});

// The statements of one migration file: split at ';' line ends, comment lines dropped.
std::vector<std::string> SplitMigrationStatements(absl::string_view sql);

namespace internal {
// Defined in the generated migrations_embedded.cc.
extern const Migration kEmbeddedMigrations[];
extern const size_t kEmbeddedMigrationCount;
}  // namespace internal

}  // namespace auth::mysql_repository

#endif  // LIBS_REPOSITORY_MYSQL_SCHEMA_MIGRATIONS_H_
