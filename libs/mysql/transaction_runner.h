// The transaction/retry runner: runs a call on a pooled connection, optionally as one
// transaction, with Connector/C++ exceptions mapped to absl::Status, and runs it again where
// that is safe (conflicts, nodes that cannot serve, stale statements, lost reads).
//
//   return RunQuery(pool_, "find user", [&](Connection& c) -> absl::StatusOr<User> {
//     sql::PreparedStatement& select = c.Prepare("SELECT ... WHERE id = ?");  // cached
//     select.setUInt64(1, id);
//     std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
//     ...
//   });
//
// The callbacks get the leased Connection (connection.h): Prepare() hands out the statements
// prepared earlier on the same connection, raw() the Connector/C++ connection.
#ifndef LIBS_MYSQL_TRANSACTION_RUNNER_H_
#define LIBS_MYSQL_TRANSACTION_RUNNER_H_

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/connection_pool.h"
#include "libs/mysql/errors.h"

namespace auth::mysql {

namespace internal {

// How a Connector/C++ exception bears on running the call again.
enum class Failure {
  kConflict,         // rolled back by a deadlock or a certification conflict: run it again
  kNodeUnavailable,  // the node refused the statement (Galera 1047): run it on another node
  kConnectionLost,   // the connection is gone: whatever it was doing may or may not have run
  kStaleStatement,   // the server does not know a cached statement (1243) or wants it prepared
                     // again (1615): nothing ran; drop the connection and its statements
  kOther,            // anything else: not retried
};
Failure Classify(const sql::SQLException& e);

// Sleeps a random 0..backoff*2^(attempt-1), so that callers that collided do not collide again.
void PauseBeforeRetry(absl::Duration backoff, int attempt);

// Commits the open transaction of `connection`; throws sql::SQLException if the server refused.
// Not sql::Connection::commit(): Connector/C++ 1.1's ignores the server's answer, so a COMMIT
// that Galera's certification refused (1213, rolled back) would pass for a success. The COMMIT
// statement is cached like any other.
void Commit(Connection& connection);

// Logs a retry (never the statement's parameters).
void LogRetry(absl::string_view operation, const sql::SQLException& e, int attempt);

// The body of RunOnConnection() and RunQuery().
template <typename Fn>
auto RunAutocommit(ConnectionPool& pool, absl::string_view operation,
                   absl::string_view primary_key_field, bool read_only, Fn& fn)
    -> decltype(fn(std::declval<Connection&>())) {
  const int attempts = std::max(1, pool.options().max_attempts);
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<PooledConnection> connection = pool.Acquire();
    if (!connection.ok()) return connection.status();
    try {
      return fn(connection->connection());
    } catch (const sql::SQLException& e) {
      const Failure failure = Classify(e);
      if (failure == Failure::kConnectionLost || failure == Failure::kNodeUnavailable) {
        connection->MarkNodeUnavailable();
      } else if (failure == Failure::kStaleStatement) {
        connection->MarkBroken();
      }
      const bool retry = failure == Failure::kConflict || failure == Failure::kNodeUnavailable ||
                         failure == Failure::kStaleStatement ||
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
// absl::StatusOr<T>; `connection` is a Connection&); `fn` runs in autocommit mode. A
// Connector/C++ exception becomes a status via SqlErrorToStatus(); if it means the connection
// or its node is gone, the connection is discarded with its statements (and the pool passes
// the node over). A server error such as a duplicate key leaves connection and statements
// usable.
//
// `fn` may run more than once (at most pool.options().max_attempts times): again after a
// conflict (1213: the statement was rolled back), a refusal by a node that cannot serve (1047:
// nothing ran; on another node) or a cached statement the server no longer knows (1243, 1615:
// nothing ran; on a new connection with freshly prepared statements). So each statement of
// `fn` must be safe to repeat once the ones before it took effect: single statements, or
// idempotent sequences. A lost connection is not retried: a write may have committed before
// the answer was lost (see RunQuery() for reads, RunInTransaction() for writes that want it
// retried).
template <typename Fn>
auto RunOnConnection(ConnectionPool& pool, absl::string_view operation,
                     absl::string_view primary_key_field, Fn&& fn)
    -> decltype(fn(std::declval<Connection&>())) {
  return internal::RunAutocommit(pool, operation, primary_key_field, /*read_only=*/false, fn);
}

// RunOnConnection() for `fn`s that only read: also run again, on another connection, after
// a lost connection.
template <typename Fn>
auto RunQuery(ConnectionPool& pool, absl::string_view operation, Fn&& fn)
    -> decltype(fn(std::declval<Connection&>())) {
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
// failure at COMMIT: 1213 / SQLSTATE 40001), refused by a node that cannot serve (1047), met a
// stale cached statement (1243, 1615), or lost its connection before COMMIT was sent; the last
// three move it to a new connection (1047 and a lost one, to another node). A connection lost
// during COMMIT is kUnavailable and not retried: the commit may have happened. So `fn` must
// have no effects outside the transaction that a second run would repeat wrongly (computing
// values is fine; the last run's are the ones committed).
template <typename Fn>
auto RunInTransaction(ConnectionPool& pool, absl::string_view operation,
                      absl::string_view primary_key_field, Fn&& fn)
    -> decltype(fn(std::declval<Connection&>())) {
  using internal::Failure;
  const int attempts = std::max(1, pool.options().max_attempts);
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<PooledConnection> connection = pool.Acquire();
    if (!connection.ok()) return connection.status();
    Connection& leased = connection->connection();
    sql::Connection& c = leased.raw();
    bool committing = false;
    try {
      c.setAutoCommit(false);
      auto result = fn(leased);
      if (result.ok()) {
        committing = true;
        internal::Commit(leased);
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
      } else if (!RollbackQuietly(c) || failure == Failure::kStaleStatement) {
        connection->MarkBroken();
      }
      // A stale statement was refused before it ran, COMMIT included: the transaction never
      // committed and dies with its discarded connection.
      const bool retry = failure == Failure::kConflict || failure == Failure::kNodeUnavailable ||
                         failure == Failure::kStaleStatement ||
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

}  // namespace auth::mysql

#endif  // LIBS_MYSQL_TRANSACTION_RUNNER_H_
