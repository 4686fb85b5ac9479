// Helpers shared by the MySQL repositories and migrations: running a call on a pooled
// connection (optionally as one transaction) with exceptions mapped to absl::Status, and
// converting times to/from SQL.
//
//   return RunOnConnection(pool_, "find user", "", [&](sql::Connection& c) -> StatusOr<User> {
//     std::unique_ptr<sql::PreparedStatement> s(c.prepareStatement("SELECT ..."));
//     ...
//   });
#ifndef LIBS_REPOSITORY_MYSQL_SUPPORT_H_
#define LIBS_REPOSITORY_MYSQL_SUPPORT_H_

#include <cppconn/connection.h>
#include <cppconn/exception.h>

#include <exception>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "libs/repository/connection_pool.h"
#include "libs/repository/mysql_errors.h"

namespace auth::repository {

// Leases a connection from `pool` and returns `fn(connection)` (an absl::Status or
// absl::StatusOr<T>). A Connector/C++ exception becomes a status via SqlErrorToStatus();
// if it means the connection is gone, the connection is discarded rather than pooled.
template <typename Fn>
auto RunOnConnection(ConnectionPool& pool, absl::string_view operation,
                     absl::string_view primary_key_field, Fn&& fn)
    -> decltype(fn(std::declval<sql::Connection&>())) {
  absl::StatusOr<PooledConnection> connection = pool.Acquire();
  if (!connection.ok()) return connection.status();
  try {
    return std::forward<Fn>(fn)(**connection);
  } catch (const sql::SQLException& e) {
    if (IsConnectionError(e.getErrorCode())) connection->MarkBroken();
    return SqlErrorToStatus(e, operation, primary_key_field);
  } catch (const std::exception& e) {
    // Not a server error (bad_alloc, a conversion failure): the connection's state is
    // unknown, so do not reuse it.
    LOG(WARNING) << operation << ": " << e.what();
    connection->MarkBroken();
    return absl::InternalError("database error");
  }
}

// Rolls back the open transaction of `connection` and turns autocommit back on. False if that
// failed, in which case the connection must not be reused.
bool RollbackQuietly(sql::Connection& connection);

// RunOnConnection() inside a transaction: autocommit is off while `fn(connection)` runs; its
// work is committed if it returns OK and rolled back otherwise (or if it throws). The
// connection goes back to the pool in autocommit mode, or is discarded if that cannot be
// ensured.
template <typename Fn>
auto RunInTransaction(ConnectionPool& pool, absl::string_view operation,
                      absl::string_view primary_key_field, Fn&& fn)
    -> decltype(fn(std::declval<sql::Connection&>())) {
  absl::StatusOr<PooledConnection> connection = pool.Acquire();
  if (!connection.ok()) return connection.status();
  sql::Connection& c = **connection;
  try {
    c.setAutoCommit(false);
    auto result = std::forward<Fn>(fn)(c);
    if (result.ok()) {
      c.commit();
      c.setAutoCommit(true);
    } else if (!RollbackQuietly(c)) {
      connection->MarkBroken();
    }
    return result;
  } catch (const sql::SQLException& e) {
    if (IsConnectionError(e.getErrorCode()) || !RollbackQuietly(c)) connection->MarkBroken();
    return SqlErrorToStatus(e, operation, primary_key_field);
  } catch (const std::exception& e) {
    LOG(WARNING) << operation << ": " << e.what();
    connection->MarkBroken();
    return absl::InternalError("database error");
  }
}

// `t` as a DATETIME/TIMESTAMP literal in UTC with microseconds ("2024-05-01 12:00:00.000000"),
// clamped to the range DATETIME can hold. The connection's time zone is UTC.
std::string ToSqlTime(absl::Time t);

// Parses UNIX_TIMESTAMP(column) as returned by the server ("1714564800.123456"; a value
// without fraction is accepted too).
absl::StatusOr<absl::Time> ParseUnixTimestamp(absl::string_view text);

}  // namespace auth::repository

#endif  // LIBS_REPOSITORY_MYSQL_SUPPORT_H_
