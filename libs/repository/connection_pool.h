// ConnectionPool: a bounded, thread-safe pool of MySQL Connector/C++ connections.
//
//   ConnectionPool pool({.endpoint = "unix:///run/mysqld/mysqld.sock", .user = "auth",
//                        .password = secret, .database = "auth", .size = 8});
//   absl::StatusOr<PooledConnection> connection = pool.Acquire();  // kUnavailable if down
//   if (!connection.ok()) return connection.status();
//   std::unique_ptr<sql::PreparedStatement> statement(
//       (*connection)->prepareStatement("SELECT 1"));
//
// The pool never hangs: connecting is bounded by `connect_timeout`, waiting for a free
// connection by `acquire_timeout`, and either failure is kUnavailable. Connections that sat
// idle for a while (or that were idle when another connection broke) are pinged before they
// are handed out, so after a server restart stale connections are replaced transparently.
#ifndef LIBS_REPOSITORY_CONNECTION_POOL_H_
#define LIBS_REPOSITORY_CONNECTION_POOL_H_

#include <cppconn/connection.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace auth::repository {

struct ConnectionPoolOptions {
  // "unix:///path/to/mysqld.sock" or "tcp://host:port".
  std::string endpoint;
  std::string user;
  std::string password;
  std::string database;
  // Most connections open at once (leased, idle or being opened).
  int size = 8;
  // Connector/C++ takes whole seconds; values below one second are rounded up.
  absl::Duration connect_timeout = absl::Seconds(2);
  absl::Duration read_timeout = absl::Seconds(15);
  absl::Duration write_timeout = absl::Seconds(15);
  // How long Acquire() waits for a connection when all `size` are leased.
  absl::Duration acquire_timeout = absl::Seconds(3);
  // An idle connection older than this is pinged before it is handed out.
  absl::Duration validate_after_idle = absl::Seconds(1);
};

// Opens connections. The pool owns one; tests substitute a fake to return mocks.
class ConnectionFactory {
 public:
  virtual ~ConnectionFactory() = default;

  // A new connection, ready for queries (UTC session time zone, autocommit).
  // kUnavailable if the server cannot be reached, kInternal for anything else.
  virtual absl::StatusOr<std::unique_ptr<sql::Connection>> Connect() = 0;
};

// The real factory: Connector/C++'s MySQL driver, configured from `options`.
std::unique_ptr<ConnectionFactory> NewMysqlConnectionFactory(const ConnectionPoolOptions& options);

class ConnectionPool;

// A connection leased from a ConnectionPool; returns it to the pool when destroyed.
// Move-only. Must not outlive its pool.
class PooledConnection {
 public:
  PooledConnection(PooledConnection&& other) noexcept;
  PooledConnection& operator=(PooledConnection&& other) noexcept;
  PooledConnection(const PooledConnection&) = delete;
  PooledConnection& operator=(const PooledConnection&) = delete;
  ~PooledConnection();

  sql::Connection& operator*() const { return *connection_; }
  sql::Connection* operator->() const { return connection_.get(); }

  // The connection failed in a way that may have broken it (the server went away):
  // the pool closes it instead of reusing it.
  void MarkBroken() { broken_ = true; }

 private:
  friend class ConnectionPool;
  PooledConnection(ConnectionPool* pool, std::unique_ptr<sql::Connection> connection);
  void Return();

  ConnectionPool* pool_;
  std::unique_ptr<sql::Connection> connection_;
  bool broken_ = false;
};

// What a ConnectionPool is doing, at one instant (for monitoring: see Stats()).
struct ConnectionPoolStats {
  // Connections open: idle, leased, or being opened.
  int open = 0;
  // Connections leased or being opened (open minus idle).
  int in_use = 0;
  // Acquire() calls waiting for a connection to free up.
  int waiting = 0;
  // Since the pool was made: connects that failed, Acquire() calls that timed out, and
  // connections found dead or returned broken.
  int64_t errors = 0;
};

class ConnectionPool {
 public:
  // A pool of real MySQL connections.
  explicit ConnectionPool(ConnectionPoolOptions options);
  // A pool whose connections come from `factory` (tests).
  ConnectionPool(ConnectionPoolOptions options, std::unique_ptr<ConnectionFactory> factory);
  // Closes the idle connections. Every PooledConnection must have been destroyed.
  ~ConnectionPool();

  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A live connection: an idle one (pinged if it is suspect) or a new one. kUnavailable if
  // the server cannot be reached or no connection frees up within `acquire_timeout`.
  absl::StatusOr<PooledConnection> Acquire();

  const ConnectionPoolOptions& options() const { return options_; }

  // A consistent snapshot, for metrics; takes the pool's lock briefly.
  ConnectionPoolStats Stats() const;

  // Connections currently open (idle, leased or being opened).
  int OpenCountForTest() const;
  // Connections waiting in the pool.
  int IdleCountForTest() const;

 private:
  friend class PooledConnection;

  struct IdleConnection {
    std::unique_ptr<sql::Connection> connection;
    absl::Time returned_at;
  };

  // Called by PooledConnection when it is destroyed.
  void Release(std::unique_ptr<sql::Connection> connection, bool broken);
  // Closes a connection the pool has given up on, outside the lock. Static: it may run after
  // the lease that triggered it has let the pool go.
  static void Discard(std::unique_ptr<sql::Connection> connection);

  const ConnectionPoolOptions options_;
  const std::unique_ptr<ConnectionFactory> factory_;

  // std::mutex rather than absl::Mutex: Debian's libabsl is not built with ThreadSanitizer, which
  // then cannot see absl's synchronisation and reports every access it guards as a race.
  mutable std::mutex mu_;
  std::condition_variable freed_;  // notified when a connection is returned or a slot opens up
  std::vector<IdleConnection> idle_;  // guarded by mu_; most recently used last
  int open_ = 0;                      // guarded by mu_
  int waiting_ = 0;                   // guarded by mu_; Acquire() calls blocked in freed_
  int64_t errors_ = 0;                // guarded by mu_; see ConnectionPoolStats::errors
  // Guarded by mu_. Idle connections returned at or before this instant are pinged before
  // reuse: another connection broke (the server may have restarted), so they may be dead too.
  absl::Time suspect_before_ = absl::InfinitePast();
};

}  // namespace auth::repository

#endif  // LIBS_REPOSITORY_CONNECTION_POOL_H_
