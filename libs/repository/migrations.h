// Schema migrations: the SQL files in libs/repository/migrations/, compiled into the binary
// and applied in version order.
//
//   ConnectionPool pool(options);
//   absl::Status migrated = ApplyMigrations(pool);  // safe to repeat, safe to race
//
// Applied versions are recorded in `schema_migrations`. A named lock
// (GET_LOCK('auth_schema_migrations')) serialises processes that migrate at the same time;
// the applied set is read only after the lock is held, so each migration runs once.
// A migration file holds one or more statements, each ending with ';' at the end of a line;
// lines starting with "--" are comments. DDL auto-commits in MySQL, so statements should be
// idempotent (CREATE TABLE IF NOT EXISTS ...) in case a run dies half-way.
#ifndef LIBS_REPOSITORY_MIGRATIONS_H_
#define LIBS_REPOSITORY_MIGRATIONS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "libs/repository/connection_pool.h"

namespace auth::repository {

struct Migration {
  int version;       // from the file name: 0002_create_sessions.sql -> 2
  const char* name;  // "create_sessions"
  const char* sql;   // the file's contents
};

// The migrations built into this binary, sorted by version.
absl::Span<const Migration> EmbeddedMigrations();

// Applies the embedded migrations that `schema_migrations` does not list yet.
// kUnavailable if the database is unreachable or another process holds the migration lock
// for more than 10 s; kInternal if a migration fails (the error is logged).
absl::Status ApplyMigrations(ConnectionPool& pool);

// Applies `migrations` (sorted by version) instead of the embedded ones; for tests.
absl::Status ApplyMigrationsForTest(ConnectionPool& pool, absl::Span<const Migration> migrations);

// The statements of one migration file: split at ';' line ends, comment lines dropped.
std::vector<std::string> SplitMigrationStatements(absl::string_view sql);

namespace internal {
// Defined in the generated migrations_embedded.cc.
extern const Migration kEmbeddedMigrations[];
extern const size_t kEmbeddedMigrationCount;
}  // namespace internal

}  // namespace auth::repository

#endif  // LIBS_REPOSITORY_MIGRATIONS_H_
