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

#include <algorithm>
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

namespace internal {

// How a Connector/C++ exception bears on running the call again.
enum class Failure {
  kConflict,         // rolled back by a deadlock or a certification conflict: run it again
  kNodeUnavailable,  // the node refused the statement (Galera 1047): run it on another node
  kConnectionLost,   // the connection is gone: whatever it was doing may or may not have run
  kOther,            // anything else: not retried
};
Failure Classify(const sql::SQLException& e);

// Sleeps a random 0..backoff*2^(attempt-1), so that callers that collided do not collide again.
void PauseBeforeRetry(absl::Duration backoff, int attempt);

// Commits the open transaction of `connection`; throws sql::SQLException if the server refused.
// Not sql::Connection::commit(): Connector/C++ 1.1's ignores the server's answer, so a COMMIT
// that Galera's certification refused (1213, rolled back) would pass for a success.
void Commit(sql::Connection& connection);

// Logs a retry (never the statement's parameters).
void LogRetry(absl::string_view operation, const sql::SQLException& e, int attempt);

// The body of RunOnConnection() and RunQuery().
template <typename Fn>
auto RunAutocommit(ConnectionPool& pool, absl::string_view operation,
                   absl::string_view primary_key_field, bool read_only, Fn& fn)
    -> decltype(fn(std::declval<sql::Connection&>())) {
  const int attempts = std::max(1, pool.options().max_attempts);
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<PooledConnection> connection = pool.Acquire();
    if (!connection.ok()) return connection.status();
    try {
      return fn(**connection);
    } catch (const sql::SQLException& e) {
      const Failure failure = Classify(e);
      if (failure == Failure::kConnectionLost || failure == Failure::kNodeUnavailable) {
        connection->MarkNodeUnavailable();
      }
      const bool retry = failure == Failure::kConflict || failure == Failure::kNodeUnavailable ||
                         (read_only && failure == Failure::kConnectionLost);
      if (!retry || attempt >= attempts) return SqlErrorToStatus(e, operation, primary_key_field);
      LogRetry(operation, e, attempt);
    } catch (const std::exception& e) {
      // Not a server error (bad_alloc, a conversion failure): the connection's state is
      // unknown, so do not reuse it.
      LOG(WARNING) << operation << ": " << e.what();
      connection->MarkBroken();
      return absl::InternalError("database error");
    }
    connection = absl::UnavailableError("released");  // back to the pool before the pause
    PauseBeforeRetry(pool.options().retry_backoff, attempt);
  }
}

}  // namespace internal

// Leases a connection from `pool` and returns `fn(connection)` (an absl::Status or
// absl::StatusOr<T>); `fn` runs in autocommit mode. A Connector/C++ exception becomes a status
// via SqlErrorToStatus(); if it means the connection or its node is gone, the connection is
// discarded (and the pool passes the node over).
//
// `fn` may run more than once (at most pool.options().max_attempts times): again after a
// conflict (1213: the statement was rolled back) or a refusal by a node that cannot serve
// (1047: nothing ran), on another connection. So each statement of `fn` must be safe to repeat
// once the ones before it took effect: single statements, or idempotent sequences. A lost
// connection is not retried: a write may have committed before the answer was lost (see
// RunQuery() for reads, RunInTransaction() for writes that want it retried).
template <typename Fn>
auto RunOnConnection(ConnectionPool& pool, absl::string_view operation,
                     absl::string_view primary_key_field, Fn&& fn)
    -> decltype(fn(std::declval<sql::Connection&>())) {
  return internal::RunAutocommit(pool, operation, primary_key_field, /*read_only=*/false, fn);
}

// RunOnConnection() for `fn`s that only read: also run again, on another connection, after
// a lost connection.
template <typename Fn>
auto RunQuery(ConnectionPool& pool, absl::string_view operation, Fn&& fn)
    -> decltype(fn(std::declval<sql::Connection&>())) {
  return internal::RunAutocommit(pool, operation, "", /*read_only=*/true, fn);
}

// Rolls back the open transaction of `connection` and turns autocommit back on. False if that
// failed, in which case the connection must not be reused.
bool RollbackQuietly(sql::Connection& connection);

// RunOnConnection() inside a transaction: autocommit is off while `fn(connection)` runs; its
// work is committed if it returns OK and rolled back otherwise (or if it throws). The
// connection goes back to the pool in autocommit mode, or is discarded if that cannot be
// ensured.
//
// The whole transaction runs again (at most pool.options().max_attempts times, after a
// jittered pause) when it was rolled back by a conflict (InnoDB deadlock, Galera certification
// failure at COMMIT: 1213 / SQLSTATE 40001), refused by a node that cannot serve (1047), or
// lost its connection before COMMIT was sent; the last two move it to another connection and
// node. A connection lost during COMMIT is kUnavailable and not retried: the commit may have
// happened. So `fn` must have no effects outside the transaction that a second run would
// repeat wrongly (computing values is fine; the last run's are the ones committed).
template <typename Fn>
auto RunInTransaction(ConnectionPool& pool, absl::string_view operation,
                      absl::string_view primary_key_field, Fn&& fn)
    -> decltype(fn(std::declval<sql::Connection&>())) {
  using internal::Failure;
  const int attempts = std::max(1, pool.options().max_attempts);
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<PooledConnection> connection = pool.Acquire();
    if (!connection.ok()) return connection.status();
    sql::Connection& c = **connection;
    bool committing = false;
    try {
      c.setAutoCommit(false);
      auto result = fn(c);
      if (result.ok()) {
        committing = true;
        internal::Commit(c);
        committing = false;
        try {
          c.setAutoCommit(true);
        } catch (const std::exception&) {
          // Committed: the result stands; only the connection is in doubt.
          connection->MarkBroken();
        }
      } else if (!RollbackQuietly(c)) {
        connection->MarkBroken();
      }
      return result;
    } catch (const sql::SQLException& e) {
      const Failure failure = internal::Classify(e);
      if (failure == Failure::kConnectionLost || failure == Failure::kNodeUnavailable) {
        connection->MarkNodeUnavailable();
      } else if (!RollbackQuietly(c)) {
        connection->MarkBroken();
      }
      const bool retry = failure == Failure::kConflict || failure == Failure::kNodeUnavailable ||
                         (failure == Failure::kConnectionLost && !committing);
      if (!retry || attempt >= attempts) return SqlErrorToStatus(e, operation, primary_key_field);
      internal::LogRetry(operation, e, attempt);
    } catch (const std::exception& e) {
      LOG(WARNING) << operation << ": " << e.what();
      connection->MarkBroken();
      return absl::InternalError("database error");
    }
    connection = absl::UnavailableError("released");  // back to the pool before the pause
    internal::PauseBeforeRetry(pool.options().retry_backoff, attempt);
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
